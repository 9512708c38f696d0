# Jitsi token authentication: only the key holder opens rooms.
#
# The start-meeting Lambda mints HS256 moderator tokens (iss = aud = local.jwt_app_id, room = the
# room, nbf/exp) signed with JWT_APP_SECRET, which it reads from SSM (JWT_SECRET_PARAMETER) at cold
# start. Prosody verifies them with the same key and app id (modules/jitsi-service/containers.tf);
# jicofo lets only token holders create a room and makes them its moderators; everyone else joins
# as a guest, and only into a room a token holder has opened.
#
# The signing key is generated in the jitsi-service module (secrets.tf, JWT_APP_SECRET) and reaches
# prosody only through the task definition's `secrets`. The app id is not secret (every token
# carries it in iss and aud) but is bound to this deployment: a token of another deployment with
# the same name is rejected even before its signature is checked.

# Generated once without the random provider, like the module's secrets: the first apply fixes it.
resource "terraform_data" "jwt_app_id_seed" {
  input = sha256("${uuid()}/${timestamp()}/JWT_APP_ID")

  lifecycle {
    ignore_changes = [input]
  }
}

locals {
  # "<name>-<12 hex characters>": the one value for the Lambdas' JWT_APP_ID and prosody's
  # JWT_APP_ID, JWT_ACCEPTED_ISSUERS and JWT_ACCEPTED_AUDIENCES.
  jwt_app_id = "${var.name}-${substr(terraform_data.jwt_app_id_seed.output, 0, 12)}"
}
