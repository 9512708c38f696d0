# Scheduled meetings: one EventBridge Scheduler schedule per window, firing the lead before it
# opens and invoking stop-meeting (the reconcile tick) with the window's name. The invocation is
# only a cue: the functions check the window against their own clock and SCHEDULED_MEETINGS, so a
# forged or replayed invocation outside a window starts nothing (shared/src/schedule). Scheduler
# invocations are free up to 14 million a month (AWS Price List, "scheduled invocations").

locals {
  windows = { for w in var.scheduled_meetings : w.name => w }
  lead    = var.scheduled_meeting_lead_minutes

  # The wake-up of a cron window: the same days, the lead earlier. The variable's validation
  # admits one number of minutes and numeric hours, none of them before 00:<lead>.
  cron_fields = { for name, w in local.windows : name => split(" ", trimsuffix(trimprefix(w.schedule, "cron("), ")")) if startswith(w.schedule, "cron(") }
  wake_ups = merge(
    { for name, f in local.cron_fields : name => format("cron(%d %s %s)",
      (tonumber(f[0]) - local.lead + 60) % 60,
      tonumber(f[0]) >= local.lead ? f[1] : join(",", [for h in split(",", f[1]) : tonumber(h) - 1]),
      join(" ", slice(f, 2, 6)))
    },
    { for name, w in local.windows : name => w.schedule if startswith(w.schedule, "rate(") },
  )

  # The functions' copy (shared/src/schedule: Schedule::parse reads exactly these fields).
  scheduled_meetings_setting = length(local.windows) == 0 ? "" : jsonencode([
    for w in var.scheduled_meetings : { name = w.name, schedule = w.schedule, time_zone = w.time_zone, minutes = w.minutes, first = w.first }
  ])
  manual_stop_parameter = "/${var.name}/schedule/manual-stop"
}

resource "aws_scheduler_schedule_group" "meetings" {
  count = length(local.windows) > 0 ? 1 : 0
  name  = var.name
}

resource "aws_scheduler_schedule" "meeting" {
  #checkov:skip=CKV_AWS_297:No KMS CMK: costs $1/month while idle; the schedule holds no secret (only the window's name)
  for_each    = local.windows
  name        = each.key
  group_name  = aws_scheduler_schedule_group.meetings[0].name
  description = "Starts the ${each.key} meeting ${local.lead} min before ${each.value.schedule} (${each.value.time_zone}), for ${each.value.minutes} min"

  schedule_expression          = local.wake_ups[each.key]
  schedule_expression_timezone = each.value.time_zone
  # A rate window's wake-ups count from its first start, the lead earlier.
  start_date = each.value.first == null ? null : timeadd(each.value.first, "-${local.lead}m")

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.lambda["stop-meeting"].function_arn
    role_arn = aws_iam_role.scheduler[0].arn
    # No secret: only the window's name, for the log.
    input = jsonencode({ scheduled_meeting = each.key })
    # A wake-up more than a few minutes late is no use; the next tick (every minute) also starts
    # the meeting inside the window.
    retry_policy {
      maximum_event_age_in_seconds = 300
      maximum_retry_attempts       = 3
    }
  }
}

# The Scheduler invokes with a role of its own (templated Lambda target: lambda:InvokeFunction on
# the function; EventBridge Scheduler user guide, "Set up the execution role"), only for schedules
# of this account.
resource "aws_iam_role" "scheduler" {
  count = length(local.windows) > 0 ? 1 : 0
  name  = "${var.name}-scheduler"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}

resource "aws_iam_role_policy" "scheduler_invoke" {
  count = length(local.windows) > 0 ? 1 : 0
  name  = "invoke-stop-meeting"
  role  = aws_iam_role.scheduler[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "InvokeTick"
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = module.lambda["stop-meeting"].function_arn
    }]
  })
}

# Every function may read the last manual stop (any run re-reads everything after a failed
# change, and a tick reads it inside a window); only stop-meeting writes it (POST /stop).
locals {
  manual_stop_arn = "${local.ssm_prefix}${local.manual_stop_parameter}"
  manual_stop_read_statements = [{
    Sid      = "ManualStopRead"
    Effect   = "Allow"
    Action   = ["ssm:GetParameter"]
    Resource = local.manual_stop_arn
  }]
  manual_stop_write_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ManualStopWrite"
      Effect   = "Allow"
      Action   = ["ssm:PutParameter"]
      Resource = local.manual_stop_arn
    }]
  })
}
