output "start_url" {
  description = "Function URL of start-meeting (start page, start and status)."
  value       = module.lambda["start-meeting"].function_url
}

output "stop_url" {
  description = "Function URL of stop-meeting (manual stop)."
  value       = module.lambda["stop-meeting"].function_url
}

output "meeting_url" {
  description = "Where participants join."
  value = {
    acm          = "https://${var.meeting_hostname}/"
    lets_encrypt = "no custom domain: each meeting runs at https://<its Elastic IP>/ with a Let's Encrypt certificate for the address (the self-signed one if the order fails), shown by the start page while it runs"
    self_signed  = "no custom domain: the meeting runs at https://<NLB DNS name>/ (self-signed certificate), shown by the start page while a meeting runs"
  }[local.https_mode]
}

output "https_mode" {
  description = "Whose certificate participants see: acm (custom domain), lets_encrypt (the meeting's address, no domain) or self_signed."
  value       = local.https_mode
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = module.jitsi.cluster_name
}

output "service_name" {
  description = "ECS service name."
  value       = module.jitsi.service_name
}

output "commands" {
  description = "Shell commands to control a meeting; export JITSI_START_SECRET first (the secret, not its hash)."
  value = {
    start  = "curl -fsS -X POST -H \"Authorization: Bearer $JITSI_START_SECRET\" ${module.lambda["start-meeting"].function_url}start"
    status = "curl -fsS ${module.lambda["start-meeting"].function_url}status"
    stop   = "curl -fsS -X POST -H \"Authorization: Bearer $JITSI_START_SECRET\" ${module.lambda["stop-meeting"].function_url}stop"
  }
}

output "smoke_settings" {
  description = "What `make smoke` needs to find and check the stack: the Function URLs, the region and the functions' environment (names and ARNs, no secret)."
  value = {
    start_url   = module.lambda["start-meeting"].function_url
    stop_url    = module.lambda["stop-meeting"].function_url
    region      = data.aws_region.current.name
    environment = local.lambda_environment
  }
}
