# Optional custom domain: the ACM certificate (free) goes to the Lambdas, which create a TLS 443
# listener with it and point meeting_hostname at the meeting's Elastic IP while a meeting runs.

# The meeting host name's A record exists from apply to destroy. While no meeting runs it points at
# local.dns_idle_address (reserved, never routed), so a look-up before a start gets an address, not
# an NXDOMAIN that resolvers would cache for the SOA's negative TTL (900 s on Route 53). The
# functions UPSERT it to the meeting's Elastic IP at start and back to DNS_IDLE_ADDRESS at stop,
# never DELETE it; they own its value after creation.
resource "aws_route53_record" "meeting" {
  #checkov:skip=CKV2_AWS_23:Points at 192.0.2.1 (RFC 5737, never routed) while idle and at the meeting's Elastic IP while the stack holds it; the functions restore the placeholder at stop
  count = local.custom_domain ? 1 : 0

  zone_id         = var.hosted_zone_id
  name            = var.meeting_hostname
  type            = "A"
  ttl             = 60 # the functions write the same TTL: how long a stale answer may live after a start or stop
  records         = [local.dns_idle_address]
  allow_overwrite = true # adopt a record an older version of the functions left behind

  lifecycle {
    ignore_changes = [records]
  }
}

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
