# Scheduled meetings and the team's notifications (shared/src/schedule, shared/src/notify).

variable "scheduled_meetings" {
  description = <<-EOT
    Recurring windows in which a meeting runs without a click, e.g. weekdays 09:30 in Berlin for 45
    minutes: { name = "standup", schedule = "cron(30 9 ? * MON-FRI *)", time_zone = "Europe/Berlin",
    minutes = 45 }. schedule is EventBridge Scheduler's cron(minutes hours day-of-month month
    day-of-week year), with a single number of minutes and the hours as numbers (the wake-up is
    computed from them), or rate(N minutes|hours|days) with first = its first start (RFC 3339 with
    an offset). AWS refuses a start date in the past when a schedule is created or changed: when you
    change a rate window, move first to an upcoming start (its occurrences stay the same). Each becomes a Scheduler schedule that starts the
    meeting scheduled_meeting_lead_minutes early; inside a window the idle and no-show rules wait,
    a manual stop is respected. Names and times are shown on the public start page.
  EOT
  type = list(object({
    name      = string
    schedule  = string
    time_zone = optional(string, "UTC")
    minutes   = number
    first     = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for w in var.scheduled_meetings : can(regex("^[a-z0-9][a-z0-9-]{0,30}$", w.name))]) && length(distinct([for w in var.scheduled_meetings : w.name])) == length(var.scheduled_meetings)
    error_message = "Each scheduled meeting needs a distinct name of 1-31 lowercase letters, digits and hyphens (it names its schedule and is shown on the page)."
  }
  validation {
    # Inside a window nothing but a manual stop ends the meeting: its lead and length stay below the cap.
    condition     = alltrue([for w in var.scheduled_meetings : w.minutes > 0 && w.minutes <= 720 && w.minutes + var.scheduled_meeting_lead_minutes < var.max_meeting_minutes])
    error_message = "A scheduled meeting lasts more than 0 and at most 720 minutes, and its lead plus its length stay below max_meeting_minutes."
  }
  validation {
    # A rate window does not overlap itself (which would keep a meeting up for good).
    condition = alltrue([for w in var.scheduled_meetings : !startswith(w.schedule, "rate(") || try(
      tonumber(regex("^rate\\(([0-9]+) ", w.schedule)[0]) * lookup({ minute = 1, minutes = 1, hour = 60, hours = 60, day = 1440, days = 1440 }, regex(" ([a-z]+)\\)$", w.schedule)[0], 0) > w.minutes + var.scheduled_meeting_lead_minutes,
      true # not a rate of this form: the validation below says so
    )])
    error_message = "A rate window's interval must be longer than its length plus scheduled_meeting_lead_minutes (else each wake-up falls inside the last window and the meeting never ends)."
  }
  validation {
    condition = alltrue([for w in var.scheduled_meetings : (
      can(regex("^cron\\([0-5]?[0-9] ([01]?[0-9]|2[0-3])(,([01]?[0-9]|2[0-3]))* \\S+ \\S+ \\S+ \\S+\\)$", w.schedule)) ||
      (can(regex("^rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)$", w.schedule)) && can(timeadd(w.first, "0m")))
    )])
    error_message = "A schedule is cron(M H day-of-month month day-of-week year) with one number of minutes and numeric hours (e.g. cron(30 9 ? * MON-FRI *)), or rate(N minutes|hours|days) with first set to its first start in RFC 3339 (e.g. 2026-12-07T09:30:00+01:00)."
  }
  validation {
    # The wake-up is the same cron a lead earlier; before 00:<lead> it would fall on the day before,
    # which a cron's day fields cannot follow.
    condition = alltrue([for w in var.scheduled_meetings : !startswith(w.schedule, "cron(") || try(
      tonumber(split(" ", trimprefix(w.schedule, "cron("))[0]) >= var.scheduled_meeting_lead_minutes ||
      alltrue([for h in split(",", split(" ", trimprefix(w.schedule, "cron("))[1]) : tonumber(h) >= 1]),
      true # not a cron of numbers: the validation above says so
    )])
    error_message = "A cron window must start at least scheduled_meeting_lead_minutes after midnight: its meeting starts that much earlier, and a wake-up on the day before cannot be written with the same day fields."
  }
}

variable "scheduled_meeting_lead_minutes" {
  description = "How many minutes before a window its meeting starts: the slowest click to ready seen on AWS (5 min), a minute for the certificate and a minute for the invocation's delay. Each minute early costs about $0.001 (make cost)."
  type        = number
  default     = 7

  validation {
    condition     = var.scheduled_meeting_lead_minutes >= 1 && var.scheduled_meeting_lead_minutes <= 59 && floor(var.scheduled_meeting_lead_minutes) == var.scheduled_meeting_lead_minutes
    error_message = "scheduled_meeting_lead_minutes must be a whole number from 1 to 59."
  }
}

variable "webhook_url" {
  description = "Optional incoming-webhook URL (Slack, Discord, Microsoft Teams Workflows, or any receiver of JSON): one POST when a meeting is ready (its URL, how it started, time to ready) and one when it ends (why, how long, its cost). Kept as an SSM SecureString; never logged. It is in Terraform's state, as every sensitive variable."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    # Plain http only to a receiver on this machine (tests, make demo); the functions refuse it too.
    condition     = var.webhook_url == "" || startswith(var.webhook_url, "https://") || can(regex("^http://(127\\.[0-9.]+|localhost)(:[0-9]+)?/", var.webhook_url))
    error_message = "webhook_url must be an https:// URL (or empty for no notifications)."
  }
}

variable "webhook_format" {
  description = "The body the webhook expects: slack ({\"text\"}), discord ({\"content\"}), teams (an Adaptive Card message, as Teams Workflows webhooks take), or json (the facts as fields, with text)."
  type        = string
  default     = "json"

  validation {
    condition     = contains(["json", "slack", "discord", "teams"], var.webhook_format)
    error_message = "webhook_format must be json, slack, discord or teams."
  }
}
