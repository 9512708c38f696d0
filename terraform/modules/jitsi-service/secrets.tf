locals {
  # The secrets the images read at stable-11031 (containers.tf says where): the two XMPP passwords
  # and the JWT signing key (JWT_APP_SECRET, prosody only; the start-meeting Lambda reads the same
  # parameter to sign moderator tokens). Not kept from the old design: JICOFO_COMPONENT_SECRET and
  # JVB_COMPONENT_SECRET (no template reads them at T: jicofo and jvb log in as XMPP clients) and
  # JIGASI_XMPP_PASSWORD (prosody would register a jigasi user and make it an admin:
  # prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@T L56-58).
  secret_names = toset([
    "JICOFO_AUTH_PASSWORD",
    "JVB_AUTH_PASSWORD",
    "JWT_APP_SECRET",
  ])
}

# Generated once without the random provider: the first apply fixes the value, later plans ignore
# the ever-changing uuid()/timestamp() input. 64 hex characters: for JWT_APP_SECRET these are the
# HS256 key bytes on both sides (prosody's app_secret string and the Lambda's key). A hex value can
# never read as false to the templates' toBool (jitsi-meet.cfg.lua@T L4 gates app_secret on it).
resource "terraform_data" "generated_secret" {
  for_each = local.secret_names

  input = sha256("${uuid()}/${timestamp()}/${each.key}")

  lifecycle {
    ignore_changes = [input]
  }
}

resource "aws_ssm_parameter" "secret" {
  #checkov:skip=CKV_AWS_337:Encrypted with the AWS managed aws/ssm key; a CMK costs $1/month while idle, the goal is zero idle cost
  for_each = local.secret_names

  name        = "/${var.name}/jitsi/${each.key}"
  description = "Jitsi internal secret ${each.key} (ECS injects it through the task definition's secrets)"
  type        = "SecureString"
  value       = lookup(var.secret_values, each.key, terraform_data.generated_secret[each.key].output)
}

resource "aws_ssm_parameter" "advertise_ips" {
  #checkov:skip=CKV2_AWS_34:Holds the public NLB IPs, which are not secret; a String parameter keeps the Lambdas free of KMS calls
  name        = "/${var.name}/jvb/advertise-ips"
  description = "Public IPs (Elastic IPs of the meeting NLB) JVB advertises to clients; written by the Lambdas before each launch"
  type        = "String"
  value       = var.advertise_ips_placeholder

  lifecycle {
    ignore_changes = [value]
  }
}
