# EventBridge delivery of AWS service events and schedules is free.

resource "aws_cloudwatch_event_rule" "task_state" {
  name        = "${var.name}-task-state"
  description = "ECS task state changes of the ${var.name} cluster"
  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail        = { clusterArn = [module.jitsi.cluster_arn] }
  })
}

resource "aws_cloudwatch_event_target" "task_state" {
  rule = aws_cloudwatch_event_rule.task_state.name
  arn  = module.lambda["task-state"].function_arn
}

resource "aws_lambda_permission" "task_state_events" {
  statement_id  = "AllowEventBridgeTaskState"
  action        = "lambda:InvokeFunction"
  function_name = module.lambda["task-state"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.task_state.arn
}

resource "aws_cloudwatch_event_rule" "reconcile_tick" {
  name                = "${var.name}-reconcile-tick"
  description         = "Idle check and reconcile of ${var.name} every minute"
  schedule_expression = "rate(1 minute)"
}

resource "aws_cloudwatch_event_target" "reconcile_tick" {
  rule = aws_cloudwatch_event_rule.reconcile_tick.name
  arn  = module.lambda["stop-meeting"].function_arn
}

resource "aws_lambda_permission" "reconcile_tick_events" {
  statement_id  = "AllowEventBridgeReconcileTick"
  action        = "lambda:InvokeFunction"
  function_name = module.lambda["stop-meeting"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.reconcile_tick.arn
}
