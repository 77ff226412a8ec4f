"""Pre-signed URL pre-flight: will a URL work, for its whole life, for the person who opens it?"""
