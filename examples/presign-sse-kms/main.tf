# Downloads from an SSE-KMS bucket need kms:Decrypt as well as s3:GetObject. The key policy below only
# delegates to the account (the AWS default), so the signer's own IAM policy must allow kms:Decrypt on the key.
# The reports role forgot it: its URLs return 403 AccessDenied even though it can s3:GetObject.

data "aws_caller_identity" "current" {}

resource "aws_kms_key" "reports" {
  description         = "reports bucket key"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EnableIAMUserPermissions"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      }
    ]
  })
}

resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "reports" {
  bucket = aws_s3_bucket.reports.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.reports.arn
    }
  }
}

resource "aws_iam_role" "reports_api" {
  name                 = "reports-api"
  max_session_duration = 43200
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "ecs-tasks.amazonaws.com" }
        Action    = "sts:AssumeRole"
      }
    ]
  })
}

data "aws_iam_policy_document" "reports_api" {
  statement {
    sid       = "ReadReports"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.reports.arn}/*"]
  }
}

resource "aws_iam_role_policy" "reports_api" {
  name   = "read-reports"
  role   = aws_iam_role.reports_api.id
  policy = data.aws_iam_policy_document.reports_api.json
}
