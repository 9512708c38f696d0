# Created before the function so Lambda does not create it without retention.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:No KMS CMK: costs $1/month while idle, the goal is zero idle cost (logs are encrypted with the service key)
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "this" {
  name = var.function_name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

# Instead of AWSLambdaBasicExecutionRole (logs:* on every group): only this function's own group.
resource "aws_iam_role_policy" "logs" {
  name = "own-log-group"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.this.arn}:*"
    }]
  })
}

resource "aws_iam_role_policy" "extra" {
  for_each = var.policies

  name   = each.key
  role   = aws_iam_role.this.id
  policy = each.value
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_50:X-Ray tracing off: the reconcile tick runs 43,200 times a month, traces past the free tier bill and the logs already show each step
  #checkov:skip=CKV_AWS_115:Reserved concurrency is the caller's choice (reserved_concurrency): the public functions get it, task-state does not; AWS rejects reservations that leave fewer than 100 unreserved, which new accounts with a low quota cannot
  #checkov:skip=CKV_AWS_116:No DLQ: every invocation reconciles the whole state again, and the 1-minute tick retries anything a failed event missed
  #checkov:skip=CKV_AWS_117:Not in the VPC: it would need a NAT gateway or VPC endpoints, which bill while idle
  #checkov:skip=CKV_AWS_173:Environment holds names and ARNs only (no secrets), encrypted with the Lambda service key; a CMK costs $1/month while idle
  #checkov:skip=CKV_AWS_272:Zips are built locally by cargo-lambda; code signing needs an AWS Signer step the build does not have
  function_name    = var.function_name
  description      = var.description
  role             = aws_iam_role.this.arn
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout
  # -1: no reservation (the provider's value for "unreserved").
  reserved_concurrent_executions = coalesce(var.reserved_concurrency, -1)

  environment {
    variables = var.environment
  }

  depends_on = [aws_iam_role_policy.logs, aws_cloudwatch_log_group.this]
}

resource "aws_lambda_function_url" "this" {
  count = var.create_function_url ? 1 : 0

  function_name = aws_lambda_function.this.function_name
  # The function checks a Bearer secret against a stored SHA-256 itself; IAM auth would need SigV4 in
  # the browser/curl. The provider adds the lambda:InvokeFunctionUrl statement for NONE itself.
  #checkov:skip=CKV_AWS_258:Function URL auth NONE: the function checks a hashed secret itself
  authorization_type = "NONE"
}

# Function URLs created since October 2025 also need lambda:InvokeFunction. The proper statement
# carries the condition lambda:InvokedViaFunctionUrl = true, which aws_lambda_permission only
# supports from hashicorp/aws 6.x (invoked_via_function_url); with the pinned 5.100 it cannot be
# expressed. A direct Invoke gains nothing over the public URL: the same handler checks the same
# secret. Add invoked_via_function_url = true when the provider is upgraded.
resource "aws_lambda_permission" "url_invoke" {
  #checkov:skip=CKV_AWS_301:Public by design behind a self-authenticating Function URL; provider 5.100 cannot add the InvokedViaFunctionUrl condition
  count = var.create_function_url ? 1 : 0

  statement_id  = "FunctionURLInvokeAllowPublicAccess"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "*"
}
