# A shared data-lake bucket whose owner delegates access control to its access points, and a "finance"
# access point through which the finance exporter role hands out download links. The role's policy names the
# access point's objects, not the bucket's: the same role's URLs for the bucket itself would return 403.

provider "aws" {
  region = "eu-west-1"
}

data "aws_caller_identity" "current" {}

resource "aws_s3_bucket" "lake" {
  bucket = "acme-data-lake"
}

resource "aws_s3_bucket_public_access_block" "lake" {
  bucket                  = aws_s3_bucket.lake.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Every request through one of this account's access points is decided by that access point's policy.
resource "aws_s3_bucket_policy" "lake" {
  bucket = aws_s3_bucket.lake.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DelegateToAccessPoints"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "*"
      Resource  = [aws_s3_bucket.lake.arn, "${aws_s3_bucket.lake.arn}/*"]
      Condition = { StringEquals = { "s3:DataAccessPointAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_s3_access_point" "finance" {
  bucket = aws_s3_bucket.lake.id
  name   = "finance"
}

resource "aws_s3control_access_point_policy" "finance" {
  access_point_arn = aws_s3_access_point.finance.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "FinanceExporterReads"
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.exporter.arn }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_access_point.finance.arn}/object/finance/*"
    }]
  })
}

resource "aws_iam_role" "exporter" {
  name                 = "finance-exporter"
  max_session_duration = 14400
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = data.aws_caller_identity.current.account_id }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "exporter" {
  name = "read-finance-through-access-point"
  role = aws_iam_role.exporter.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadFinance"
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = "${aws_s3_access_point.finance.arn}/object/finance/*"
    }]
  })
}
