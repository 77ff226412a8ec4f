"""Resource policies: whom a bucket, key, queue or topic policy lets in (public, service and NotPrincipal grants)."""
