variable "function_name" {
  description = "Name of the Lambda function; also names its role and log group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = ""
}

variable "zip_path" {
  description = "Path of the deployment zip (cargo-lambda layout: <dist>/<fn>/bootstrap.zip)."
  type        = string
}

variable "architecture" {
  description = "arm64 or x86_64; must match the zip."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 128
}

variable "reserved_concurrency" {
  description = "Instances of the function that may run at once (reserved concurrency, free); null for none."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null ? true : var.reserved_concurrency >= 1
    error_message = "reserved_concurrency must be at least 1 (0 would throttle every call) or null for none."
  }
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 30
}

variable "environment" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = {}
}

variable "policies" {
  description = "Inline IAM policy documents (JSON) attached to the function's role, keyed by policy name. Keys must be known at plan time."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  description = "Retention of the function's log group in days."
  type        = number
  default     = 7
}

variable "create_function_url" {
  description = "Create a public Function URL (authorization NONE; the function authenticates requests itself)."
  type        = bool
  default     = false
}
