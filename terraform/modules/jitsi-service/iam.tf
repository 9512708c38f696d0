locals {
  ecs_tasks_assume = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
    }]
  })
}

# Execution role: used by the ECS agent to write logs and resolve `secrets` at launch. Images come
# from Docker Hub, so no ECR permissions. The parameters use the AWS managed aws/ssm key, whose key
# policy already allows decryption through SSM, so no kms:Decrypt is needed.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-task-execution"
  assume_role_policy = local.ecs_tasks_assume
}

resource "aws_iam_role_policy" "execution" {
  name = "logs-and-parameters"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "WriteTaskLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.task.arn}:*"
      },
      {
        Sid      = "ReadTaskSecrets"
        Effect   = "Allow"
        Action   = ["ssm:GetParameters"]
        Resource = concat([for p in aws_ssm_parameter.secret : p.arn], [aws_ssm_parameter.advertise_ips.arn])
      },
    ]
  })
}

# Task role: only ECS Exec. The ssmmessages actions support no resource-level permissions, so AWS
# only accepts "*" here.
resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = local.ecs_tasks_assume
}

resource "aws_iam_role_policy" "task_exec" {
  name = "ecs-exec"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "EcsExec"
      Effect = "Allow"
      Action = [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ]
      Resource = "*"
    }]
  })
}

# The web container's certificate script reads the records the functions keep for the meeting's
# certificate (challenge answers, the certificate and its key). GetParametersByPath is authorized
# against the path itself (SSM user guide, "Restricting access to Parameter Store parameters using
# IAM policies"); the records use the AWS managed aws/ssm key, so no kms:Decrypt is needed.
resource "aws_iam_role_policy" "task_certificate" {
  count = var.meeting_certificate != null ? 1 : 0
  name  = "meeting-certificate"
  role  = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadCertificateRecords"
      Effect   = "Allow"
      Action   = ["ssm:GetParametersByPath"]
      Resource = "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:parameter${var.meeting_certificate.records_path}"
    }]
  })
}
