# Optional custom domain: the ACM certificate (free) goes to the Lambdas, which create a TLS 443
# listener with it and point meeting_hostname at the NLB while a meeting runs.

resource "aws_acm_certificate" "meeting" {
  count = local.custom_domain ? 1 : 0

  domain_name       = var.meeting_hostname
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "certificate_validation" {
  # Keyed by the configured name (known at plan time), not by the certificate's computed options.
  for_each = local.custom_domain ? toset([var.meeting_hostname]) : toset([])

  zone_id         = var.hosted_zone_id
  name            = local.certificate_validation[each.key].resource_record_name
  type            = local.certificate_validation[each.key].resource_record_type
  records         = [local.certificate_validation[each.key].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

locals {
  certificate_validation = local.custom_domain ? {
    for o in aws_acm_certificate.meeting[0].domain_validation_options : o.domain_name => o
  } : {}
}

resource "aws_acm_certificate_validation" "meeting" {
  count = local.custom_domain ? 1 : 0

  certificate_arn         = aws_acm_certificate.meeting[0].arn
  validation_record_fqdns = [for r in aws_route53_record.certificate_validation : r.fqdn]
}
