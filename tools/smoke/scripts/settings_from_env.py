"""The smoke test's settings file from a function's environment file (KEY=VALUE lines, as
scripts/demo.sh writes $work/stack.env) and the two Function URLs: what Terraform's
`smoke_settings` output holds for a real deploy.

    python3 tools/smoke/scripts/settings_from_env.py ENV_FILE START_URL STOP_URL [REGION] > settings.json
"""

import json
import sys


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    env_file, start_url, stop_url = sys.argv[1:4]
    region = sys.argv[4] if len(sys.argv) == 5 else "us-east-1"
    environment = {}
    with open(env_file) as lines:
        for line in lines:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep and key:
                environment[key] = value
    json.dump({"start_url": start_url, "stop_url": stop_url, "region": region, "environment": environment},
              sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
