# Scheduled meetings and notifications (schedules.tf, notify.tf): each window's Scheduler schedule
# fires the lead before it with nothing but its name, the functions get the same windows, and the
# grants stay narrow. Mocked provider, offline.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  lambda_dist_dir   = "tests/fixtures/lambda"
  start_secret_hash = "0000000000000000000000000000000000000000000000000000000000000000"
}

run "windows_wake_the_lead_before_and_carry_no_secret" {
  variables {
    scheduled_meetings = [
      { name = "standup", schedule = "cron(30 9 ? * MON-FRI *)", time_zone = "Europe/Berlin", minutes = 45 },
      { name = "review", schedule = "cron(5 9,14 ? * TUE *)", minutes = 60 },
      { name = "weekly", schedule = "rate(7 days)", first = "2026-12-07T09:30:00+01:00", minutes = 30 },
    ]
  }

  assert {
    condition = (
      aws_scheduler_schedule.meeting["standup"].schedule_expression == "cron(23 9 ? * MON-FRI *)" &&
      aws_scheduler_schedule.meeting["standup"].schedule_expression_timezone == "Europe/Berlin" &&
      aws_scheduler_schedule.meeting["review"].schedule_expression == "cron(58 8,13 ? * TUE *)" &&
      aws_scheduler_schedule.meeting["review"].schedule_expression_timezone == "UTC" &&
      aws_scheduler_schedule.meeting["weekly"].schedule_expression == "rate(7 days)" &&
      timecmp(aws_scheduler_schedule.meeting["weekly"].start_date, "2026-12-07T08:23:00Z") == 0
    )
    error_message = "Each schedule fires scheduled_meeting_lead_minutes (7) before its window, in the window's time zone."
  }

  assert {
    condition = alltrue([for name, s in aws_scheduler_schedule.meeting :
      s.target[0].arn == module.lambda["stop-meeting"].function_arn &&
      jsondecode(s.target[0].input) == { scheduled_meeting = name } &&
      s.flexible_time_window[0].mode == "OFF" && s.group_name == var.name
    ])
    error_message = "A schedule invokes stop-meeting with only its window's name (no secret), exactly on time."
  }

  assert {
    condition = (
      length(jsondecode(local.lambda_environment.SCHEDULED_MEETINGS)) == 3 &&
      jsondecode(local.lambda_environment.SCHEDULED_MEETINGS)[0].schedule == "cron(30 9 ? * MON-FRI *)" &&
      local.lambda_environment.SCHEDULE_LEAD_MINUTES == "7" &&
      local.lambda_environment.MANUAL_STOP_PARAMETER == "/${var.name}/schedule/manual-stop"
    )
    error_message = "The functions get the windows as written (they evaluate them themselves), the lead and the manual stop's parameter."
  }

  assert {
    condition = (
      jsondecode(aws_iam_role.scheduler[0].assume_role_policy).Statement[0].Principal.Service == "scheduler.amazonaws.com" &&
      jsondecode(aws_iam_role_policy.scheduler_invoke[0].policy).Statement[0].Action == ["lambda:InvokeFunction"] &&
      jsondecode(aws_iam_role_policy.scheduler_invoke[0].policy).Statement[0].Resource == module.lambda["stop-meeting"].function_arn &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "ManualStopRead"]).Action == ["ssm:GetParameter"] &&
      contains(keys(local.functions["stop-meeting"].policies), "manual-stop") &&
      !contains(keys(local.functions["start-meeting"].policies), "manual-stop")
    )
    error_message = "The Scheduler's role may only invoke stop-meeting; every function reads the manual stop, only stop-meeting writes it."
  }
}

run "no_windows_no_schedules" {
  assert {
    condition = (
      length(aws_scheduler_schedule.meeting) == 0 && length(aws_iam_role.scheduler) == 0 &&
      local.lambda_environment.SCHEDULED_MEETINGS == "" && local.lambda_environment.MANUAL_STOP_PARAMETER == "" &&
      length([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "ManualStopRead"]) == 0 &&
      local.lambda_environment.WEBHOOK_URL_PARAMETER == "" && length(aws_ssm_parameter.webhook_url) == 0
    )
    error_message = "Without windows or a webhook nothing of either is created or granted."
  }
}

run "a_webhook_is_a_secure_string_read_by_the_functions_that_send" {
  variables {
    webhook_url    = "https://hooks.slack.com/services/T000/B000/XXXX"
    webhook_format = "slack"
  }

  assert {
    condition = (
      aws_ssm_parameter.webhook_url[0].type == "SecureString" &&
      local.lambda_environment.WEBHOOK_URL_PARAMETER == "/${var.name}/control/webhook-url" &&
      local.lambda_environment.WEBHOOK_FORMAT == "slack" &&
      local.lambda_environment.NOTIFICATIONS_PARAMETER_PATH == "/${var.name}/notifications" &&
      !strcontains(jsonencode(local.lambda_environment), "hooks.slack.com")
    )
    error_message = "The URL is only in its SecureString; the functions get its name, the format and the outbox's path."
  }

  assert {
    condition = (
      contains(keys(local.functions["stop-meeting"].policies), "notifications") &&
      contains(keys(local.functions["task-state"].policies), "notifications") &&
      !contains(keys(local.functions["start-meeting"].policies), "notifications") &&
      one([for st in jsondecode(local.notifications_policy).Statement : st if st.Sid == "OutboxRead"]).Resource ==
      "arn:aws:ssm:us-east-1:123456789012:parameter/${var.name}/notifications"
    )
    error_message = "The functions that send (ticks, task events) read the outbox by its path; start-meeting sends nothing."
  }
}

run "a_window_before_the_lead_after_midnight_is_rejected" {
  command = plan
  variables {
    scheduled_meetings = [{ name = "early", schedule = "cron(3 0 ? * MON *)", minutes = 30 }]
  }
  expect_failures = [var.scheduled_meetings]
}

run "a_cron_with_a_minute_range_is_rejected" {
  command = plan
  variables {
    scheduled_meetings = [{ name = "x", schedule = "cron(0/15 9 ? * MON *)", minutes = 10 }]
  }
  expect_failures = [var.scheduled_meetings]
}

run "a_rate_window_without_its_first_start_is_rejected" {
  command = plan
  variables {
    scheduled_meetings = [{ name = "x", schedule = "rate(1 days)", minutes = 10 }]
  }
  expect_failures = [var.scheduled_meetings]
}

run "a_window_longer_than_the_longest_meeting_is_rejected" {
  command = plan
  variables {
    max_meeting_minutes = 60
    scheduled_meetings  = [{ name = "x", schedule = "cron(0 9 ? * MON *)", minutes = 90 }]
  }
  expect_failures = [var.scheduled_meetings]
}

run "a_window_name_that_cannot_name_a_schedule_is_rejected" {
  command = plan
  variables {
    scheduled_meetings = [{ name = "Team Standup", schedule = "cron(0 9 ? * MON *)", minutes = 10 }]
  }
  expect_failures = [var.scheduled_meetings]
}

run "a_plain_http_webhook_is_rejected" {
  command = plan
  variables {
    webhook_url = "http://hooks.example.org/x"
  }
  expect_failures = [var.webhook_url]
}

run "an_unknown_webhook_format_is_rejected" {
  command = plan
  variables {
    webhook_format = "mattermost"
  }
  expect_failures = [var.webhook_format]
}

run "a_rate_window_that_overlaps_itself_is_rejected" {
  command = plan
  variables {
    scheduled_meetings = [{ name = "x", schedule = "rate(37 minutes)", first = "2030-01-07T09:30:00Z", minutes = 30 }]
  }
  expect_failures = [var.scheduled_meetings]
}

run "an_hour_aws_rejects_is_rejected" {
  command = plan
  variables {
    scheduled_meetings = [{ name = "x", schedule = "cron(0 24 ? * MON *)", minutes = 10 }]
  }
  expect_failures = [var.scheduled_meetings]
}

run "a_window_whose_lead_reaches_the_cap_is_rejected" {
  command = plan
  variables {
    max_meeting_minutes = 60
    scheduled_meetings  = [{ name = "x", schedule = "cron(0 9 ? * MON *)", minutes = 55 }]
  }
  expect_failures = [var.scheduled_meetings]
}

run "windows_need_room_for_their_invocation_beside_the_tick_and_a_stop" {
  command = plan
  variables {
    public_function_concurrency = 2
    scheduled_meetings          = [{ name = "x", schedule = "cron(0 9 ? * MON *)", minutes = 30 }]
  }
  expect_failures = [var.public_function_concurrency]
}
