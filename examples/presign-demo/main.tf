# The AWS console demo this project was born from: a private bucket, and "user two", who may list buckets and
# their contents but not read objects. user two can still sign URLs for presign-demo/cat.jpg, and every one of
# them returns 403 AccessDenied. `iam-preflight presign` (and `check`, through .iam-preflight.toml) says so first.

resource "aws_s3_bucket" "demo" {
  bucket = "presign-demo"
}

resource "aws_s3_bucket_public_access_block" "demo" {
  bucket                  = aws_s3_bucket.demo.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_iam_user" "user_two" {
  name = "user-two"
}

resource "aws_iam_user_policy" "user_two" {
  name = "list-buckets-and-contents"
  user = aws_iam_user.user_two.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "VisualEditor0"
        Effect   = "Allow"
        Action   = ["s3:ListAllMyBuckets", "s3:ListBucket"]
        Resource = "*"
      }
    ]
  })
}
