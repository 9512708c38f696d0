# Permanent target groups cost nothing without a load balancer. The Lambdas attach them to the
# per-meeting NLB's listeners and register the task IP themselves, so the service has no
# load_balancer block.

resource "aws_lb_target_group" "jvb" {
  name                   = "${var.name}-jvb"
  vpc_id                 = module.network.vpc_id
  target_type            = "ip"
  protocol               = "UDP"
  port                   = local.jvb_media_port
  deregistration_delay   = 10
  connection_termination = true

  # UDP cannot be health-checked over UDP: JVB's REST health endpoint answers 200 when ready. The
  # checks come from the NLB nodes' private IPs: the task security group admits this port from the VPC.
  health_check {
    protocol            = "HTTP"
    port                = tostring(local.jvb_health_port)
    path                = "/about/health"
    matcher             = "200"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

resource "aws_lb_target_group" "web" {
  name        = "${var.name}-web"
  vpc_id      = module.network.vpc_id
  target_type = "ip"
  # Trial: a TCP 443 listener passes TLS through to the container's self-signed certificate.
  # Custom domain: a TLS 443 listener (ACM certificate) must forward to a TLS target group, which
  # re-encrypts to the container (the NLB does not verify target certificates).
  protocol               = local.custom_domain ? "TLS" : "TCP"
  port                   = local.web_port
  deregistration_delay   = 10
  connection_termination = true
  # AWS's default for IP targets over TCP/TLS, pinned because the task security group relies on it:
  # web traffic arrives from the NLB nodes' private IPs, which the VPC CIDR rule admits.
  preserve_client_ip = "false"

  # On the traffic port: the task security group admits it from the VPC CIDR.
  health_check {
    protocol            = "TCP"
    port                = "traffic-port"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# Without a domain: the TCP 80 listener's group (Let's Encrypt's http-01 request for the meeting's
# address, RFC 8555 §8.3 fixes port 80; anything else is redirected to https by the container).
resource "aws_lb_target_group" "http" {
  count                  = local.lets_encrypt ? 1 : 0
  name                   = "${var.name}-http"
  vpc_id                 = module.network.vpc_id
  target_type            = "ip"
  protocol               = "TCP"
  port                   = local.http_port
  deregistration_delay   = 10
  connection_termination = true
  preserve_client_ip     = "false"

  health_check {
    protocol            = "TCP"
    port                = "traffic-port"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}
