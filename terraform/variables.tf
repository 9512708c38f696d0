variable "name" {
  description = "Stack name: prefix of every resource name and value of the `jitsi-on-demand:stack` tag the Lambdas put on what they create. The per-meeting NLB is named <name>-meeting."
  type        = string
  default     = "jitsi-on-demand"

  # The first four are CreateLoadBalancer's rules for the NLB name <name>-meeting (local.load_balancer_name):
  # "can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, must
  # not begin or end with a hyphen, and must not begin with "internal-"" (ELBv2 API reference,
  # CreateLoadBalancer, Name). Every other name derived from var.name is shorter or less strict.
  validation {
    condition     = length("${var.name}${local.load_balancer_suffix}") <= 32
    error_message = "name is too long: the NLB name ${var.name}${local.load_balancer_suffix} has ${length("${var.name}${local.load_balancer_suffix}")} characters and CreateLoadBalancer allows at most 32, so name may have at most ${32 - length(local.load_balancer_suffix)}."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9-]*$", var.name))
    error_message = "name may contain only letters, digits and hyphens: CreateLoadBalancer rejects any other character in the NLB name (${var.name}${local.load_balancer_suffix})."
  }

  validation {
    condition     = !startswith("${var.name}${local.load_balancer_suffix}", "-") && !endswith("${var.name}${local.load_balancer_suffix}", "-")
    error_message = "name must not begin with a hyphen: CreateLoadBalancer rejects an NLB name (${var.name}${local.load_balancer_suffix}) that begins or ends with one."
  }

  validation {
    condition     = !startswith(lower("${var.name}${local.load_balancer_suffix}"), "internal-")
    error_message = "name must not begin with \"internal-\": CreateLoadBalancer rejects an NLB name (${var.name}${local.load_balancer_suffix}) that begins with it."
  }

  validation {
    # Not an ELB rule: the name is also the stack tag value the functions compare and part of
    # parameter paths and DNS-like names; one spelling avoids case mix-ups.
    condition     = var.name == lower(var.name)
    error_message = "name must be lowercase."
  }
}

variable "aws_region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "aws_endpoint_url" {
  description = "Endpoint for every AWS service (e.g. http://127.0.0.1:5000 for moto). Empty or null for real AWS."
  type        = string
  default     = null
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; two /24 public subnets are carved from it."
  type        = string
  default     = "10.42.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 22
    error_message = "vpc_cidr must be a valid IPv4 CIDR of /22 or larger."
  }
}

variable "availability_zones" {
  description = "Two zone names for the public subnets; the first hosts the task and the meeting NLB. Empty: the region's first two available zones. Pin them if that zone lacks Fargate (e.g. the zone that maps to use1-az3 in us-east-1)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zones) == 0 || length(var.availability_zones) == 2
    error_message = "availability_zones must be empty or list exactly two zones."
  }
}

# --- Jitsi task ---------------------------------------------------------------------------------

variable "jitsi_image_tag" {
  # stable-11031 is the newest docker-jitsi-meet tag published on Docker Hub with images that run as
  # root and serve web on 80/443. From stable-11146 the images are on ghcr.io, run rootless (USER s6),
  # need tmpfs /run and a read-only root, and web listens on 8000/8443 (docker-jitsi-meet commits
  # 52b4ac89, 086d047f, f8347236): the task definition and target groups here would need changes.
  description = "docker-jitsi-meet tag used for all four images (web, prosody, jicofo, jvb) from Docker Hub. Pin a stable-NNNN tag no newer than stable-11031 (see README)."
  type        = string
  default     = "stable-11031"

  validation {
    condition     = can(regex("^stable-[0-9]+(-[0-9]+)?$", var.jitsi_image_tag))
    error_message = "jitsi_image_tag must be a pinned stable tag like stable-11031 or stable-10532-1."
  }
}

variable "task_architecture" {
  description = "CPU architecture of the Fargate task: ARM64 (cheaper per vCPU-hour) or X86_64. The Jitsi images are multi-arch."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.task_architecture)
    error_message = "task_architecture must be ARM64 or X86_64."
  }
}

variable "task_cpu" {
  description = "Fargate task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 2048

  validation {
    condition     = contains([1024, 2048, 4096, 8192, 16384], var.task_cpu)
    error_message = "task_cpu must be one of 1024, 2048, 4096, 8192, 16384."
  }
}

locals {
  # Fargate's CPU/memory combinations (MiB), from the ECS developer guide "Task CPU and memory"
  # (task-cpu-memory-error.html); 8192 and 16384 CPU need Linux platform 1.4.0 or later.
  fargate_memory_mib = {
    "256"   = [512, 1024, 2048]
    "512"   = range(1024, 4097, 1024)
    "1024"  = range(2048, 8193, 1024)
    "2048"  = range(4096, 16385, 1024)
    "4096"  = range(8192, 30721, 1024)
    "8192"  = range(16384, 61441, 4096)
    "16384" = range(32768, 122881, 8192)
  }
}

variable "task_memory" {
  description = "Fargate task memory in MiB; must be a combination Fargate offers for task_cpu (e.g. 2048 CPU: 4096-16384 in 1024 steps)."
  type        = number
  default     = 4096

  validation {
    condition     = contains(lookup(local.fargate_memory_mib, tostring(var.task_cpu), []), var.task_memory)
    error_message = "task_memory ${var.task_memory} MiB does not exist on Fargate for task_cpu ${var.task_cpu}. Fargate offers: 1024 CPU: 2048-8192 MiB in 1024 steps; 2048: 4096-16384 in 1024 steps; 4096: 8192-30720 in 1024 steps; 8192: 16384-61440 in 4096 steps; 16384: 32768-122880 in 8192 steps."
  }
}

variable "use_fargate_spot" {
  description = "Run the meeting task on FARGATE_SPOT (up to 70 % cheaper, but a 2-minute interruption notice ends a meeting in progress). X86_64 only."
  type        = bool
  default     = false

  validation {
    # ECS developer guide, fargate-capacity-providers.html: "Linux tasks with the ARM64 architecture
    # don't support the Fargate Spot capacity provider."
    condition     = !(var.use_fargate_spot && var.task_architecture == "ARM64")
    error_message = "use_fargate_spot needs task_architecture = \"X86_64\": Fargate Spot only supports Linux tasks with the X86_64 architecture (ECS docs, Fargate capacity providers)."
  }
}

variable "container_insights" {
  description = "Enable ECS Container Insights on the cluster (extra CloudWatch metrics and logs cost)."
  type        = bool
  default     = false
}

variable "enable_service_connect" {
  description = "Create a Service Connect namespace <name>.local and enable it on the service. Only useful if the containers are split into several services."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the ECS and Lambda CloudWatch log groups, in days."
  type        = number
  default     = 7

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...)."
  }
}

variable "jitsi_secrets" {
  description = "Optional values for Jitsi's internal secrets, keyed by environment name (JICOFO_AUTH_PASSWORD, JVB_AUTH_PASSWORD). Missing keys are generated once and kept."
  type        = map(string)
  default     = {}
  sensitive   = true

  validation {
    condition = alltrue([
      for k, v in var.jitsi_secrets : contains(["JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD"], k) && can(regex("^[A-Za-z0-9]{16,}$", v))
    ])
    # Letters and digits only: prosody/rootfs/etc/services.d/70-register-setup/run@stable-11031 passes
    # them unquoted to prosodyctl (a space splits one), jicofo.conf and jvb.conf put them in quoted
    # HOCON strings (a quote breaks them).
    error_message = "jitsi_secrets keys must be JICOFO_AUTH_PASSWORD or JVB_AUTH_PASSWORD (the component secrets are unused at stable-11031 and a JIGASI_XMPP_PASSWORD would create a jigasi admin account), each value at least 16 letters and digits (the images put them unquoted on a command line and in quoted config strings)."
  }
}

# --- Optional custom domain ---------------------------------------------------------------------

variable "hosted_zone_id" {
  description = "Route 53 hosted zone that holds meeting_hostname. Empty: trial mode (TCP 443 passthrough to the web container's self-signed certificate)."
  type        = string
  default     = ""

  validation {
    condition     = var.hosted_zone_id == "" || can(regex("^Z[A-Z0-9]{1,31}$", var.hosted_zone_id))
    error_message = "hosted_zone_id must be empty or a Route 53 zone id like Z0123456789ABCDEFGHIJ."
  }
}

variable "meeting_hostname" {
  description = "Fully qualified meeting host name inside hosted_zone_id (e.g. meet.example.com). Set together with hosted_zone_id."
  type        = string
  default     = ""

  validation {
    condition     = var.meeting_hostname == "" || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.meeting_hostname))
    error_message = "meeting_hostname must be empty or a lowercase fully qualified domain name."
  }

  validation {
    condition     = (var.meeting_hostname == "") == (var.hosted_zone_id == "")
    error_message = "Set hosted_zone_id and meeting_hostname together (or neither, for trial mode)."
  }
}

# --- Lambdas ------------------------------------------------------------------------------------

variable "lambda_dist_dir" {
  description = "Directory with cargo-lambda zips: <dir>/<function>/bootstrap.zip for start-meeting, task-state and stop-meeting. Null: ../target/lambda next to this module."
  type        = string
  default     = null
}

variable "lambda_architecture" {
  description = "Architecture the Lambda zips were built for."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of each Lambda function in MB (memory also buys CPU)."
  type        = number
  default     = 128

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 128 and 10240."
  }
}

variable "public_function_concurrency" {
  description = <<-EOT
    Reserved concurrency of the two public functions (start-meeting, stop-meeting): how many of each may
    run at once, so that a flood of requests to their public URLs costs AWS calls and Lambda time at a
    bounded rate (each instance reads the public status at most once a second). Free. AWS keeps at least
    100 of the account's concurrency unreserved, so accounts with a lower quota (new ones may have 10)
    fail the apply with "decreases account's UnreservedConcurrentExecution below its minimum value":
    request a higher "Concurrent executions" quota, or set this to null for no reservation.
  EOT
  type        = number
  default     = 3
  nullable    = true

  validation {
    condition     = var.public_function_concurrency == null ? true : (var.public_function_concurrency >= 2 && var.public_function_concurrency <= 50)
    error_message = "public_function_concurrency must be between 2 (the tick and a manual stop may meet) and 50, or null for no reservation."
  }
  validation {
    # A window's invocation comes in the same minute as the tick.
    condition     = var.public_function_concurrency == null || length(var.scheduled_meetings) == 0 || coalesce(var.public_function_concurrency, 3) >= 3
    error_message = "With scheduled_meetings, public_function_concurrency must be at least 3: a window's invocation, the tick and a manual stop may meet."
  }
}

variable "start_secret_hash" {
  description = "SHA-256 (lowercase hex) of the secret that start/stop requests must present as a Bearer token."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.start_secret_hash))
    error_message = "start_secret_hash must be 64 lowercase hex characters (a SHA-256 digest)."
  }
}

variable "grace_minutes" {
  description = "Minutes after the start during which a meeting is never stopped (people are still arriving). Fractions allowed."
  type        = number
  default     = 10

  validation {
    condition     = var.grace_minutes > 0
    error_message = "grace_minutes must be positive."
  }
}

variable "no_show_minutes" {
  description = "Minutes a started meeting may stay without any participant before it is stopped. Fractions allowed."
  type        = number
  default     = 15

  validation {
    condition     = var.no_show_minutes > 0
    error_message = "no_show_minutes must be positive."
  }
}

variable "idle_minutes" {
  description = "Minutes without NLB flows (media or signalling) after people were there before the meeting is stopped. Fractions allowed."
  type        = number
  default     = 10

  validation {
    condition     = var.idle_minutes > 0
    error_message = "idle_minutes must be positive."
  }
}

variable "max_meeting_minutes" {
  description = "Hard cap on a meeting's length in minutes (cost guard)."
  type        = number
  default     = 480

  validation {
    condition     = var.max_meeting_minutes >= 1
    error_message = "max_meeting_minutes must be at least 1."
  }
}

variable "lets_encrypt" {
  description = "Without a custom domain: each meeting at https://<its Elastic IP>/ with a Let's Encrypt certificate for the address (shortlived profile, http-01 through a TCP 80 listener), ordered by the functions. Off, or when an order fails: the web container's self-signed certificate (browsers warn; mobile apps refuse). Ignored with a custom domain (ACM)."
  type        = bool
  default     = true
}

variable "acme_directory_url" {
  description = "The ACME CA's directory. Let's Encrypt's production CA by default; its staging CA (https://acme-staging-v02.api.letsencrypt.org/directory) issues untrusted certificates without the production rate limits: add its roots to acme_extra_trusted_roots_pem to try it."
  type        = string
  default     = "https://acme-v02.api.letsencrypt.org/directory"

  validation {
    condition     = startswith(var.acme_directory_url, "https://")
    error_message = "acme_directory_url must be an https:// URL (RFC 8555 §6.1 requires HTTPS)."
  }
}

variable "acme_extra_trusted_roots_pem" {
  description = "Root certificates (PEM) the functions trust besides the public ones, for the CA's API and for checking the certificate a meeting serves: a staging or test CA's. Empty: the public roots only."
  type        = string
  default     = ""

  validation {
    condition     = var.acme_extra_trusted_roots_pem == "" || strcontains(var.acme_extra_trusted_roots_pem, "-----BEGIN CERTIFICATE-----")
    error_message = "acme_extra_trusted_roots_pem must hold PEM certificates (-----BEGIN CERTIFICATE-----)."
  }
}
