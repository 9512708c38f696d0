# The team's notifications (shared/src/notify): the webhook URL in a SecureString, the outbox's
# records under their own path (plain Strings, standard tier: free; the functions create and
# delete them).

locals {
  notifications      = nonsensitive(var.webhook_url != "")
  notifications_path = "/${var.name}/notifications"
}

resource "aws_ssm_parameter" "webhook_url" {
  #checkov:skip=CKV_AWS_337:No KMS CMK: costs $1/month while idle, the goal is zero idle cost (the aws/ssm key encrypts it)
  count       = local.notifications ? 1 : 0
  name        = "/${var.name}/control/webhook-url"
  description = "Where ${var.name} posts when a meeting is ready and when it ends"
  type        = "SecureString"
  value       = var.webhook_url
}

# stop-meeting records an end and sends (ticks); task-state sends (task events). start-meeting
# answers clicks and sends nothing. GetParametersByPath is authorized against the path itself.
locals {
  notifications_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "OutboxRead"
        Effect   = "Allow"
        Action   = ["ssm:GetParametersByPath"]
        Resource = "${local.ssm_prefix}${local.notifications_path}"
      },
      {
        Sid      = "OutboxWrite"
        Effect   = "Allow"
        Action   = ["ssm:PutParameter", "ssm:DeleteParameter"]
        Resource = "${local.ssm_prefix}${local.notifications_path}/*"
      },
      {
        # SecureString with the AWS managed aws/ssm key: no kms:Decrypt statement.
        Sid      = "WebhookUrl"
        Effect   = "Allow"
        Action   = ["ssm:GetParameter"]
        Resource = join("", aws_ssm_parameter.webhook_url[*].arn)
      },
    ]
  })
}
