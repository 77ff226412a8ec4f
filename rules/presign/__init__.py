"""Pre-signed URLs: will the URLs a signer hands out work when someone opens them?"""
