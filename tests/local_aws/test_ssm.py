"""SSM as AWS behaves: a PutParameter without Overwrite on a name that exists fails with
ParameterAlreadyExists, atomically, so that of concurrent creators exactly one wins (the functions
claim webhook sends and certificate orders on it; moto checks and writes without a lock).

Run: python3 -m unittest discover tests/local_aws
"""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import server  # noqa: E402,F401  (applies the stand-in's patches, as the server runs them)
from moto.ssm.exceptions import ParameterAlreadyExists  # noqa: E402
from moto.ssm.models import ssm_backends  # noqa: E402


class CreateWithoutOverwriteTest(unittest.TestCase):
    def test_one_of_concurrent_creators_wins(self):
        backend = ssm_backends["123456789012"]["us-east-1"]
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # switch threads as often as possible: a race shows at once
        try:
            for round_ in range(200):
                name = f"/claims/race-{round_}"
                wins = []
                start = threading.Barrier(6)

                def claim():
                    start.wait()
                    try:
                        backend.put_parameter(name, None, "mine", "String", None, None, False, [], "text", None, None)
                        wins.append(1)
                    except ParameterAlreadyExists:
                        pass

                threads = [threading.Thread(target=claim) for _ in range(6)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                self.assertEqual(len(wins), 1, f"round {round_}: {len(wins)} creators won")
        finally:
            sys.setswitchinterval(interval)


if __name__ == "__main__":
    unittest.main()
