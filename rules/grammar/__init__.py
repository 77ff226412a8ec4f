"""Policy grammar: is this a document IAM accepts, and does it say what its author meant?"""
