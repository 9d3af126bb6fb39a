"""Tests of the sample trainer: python3 -m unittest discover -s examples/sample-trainer/tests"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

TRAIN = os.path.join(os.path.dirname(__file__), "..", "train.py")


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, TRAIN, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


class TrainTest(unittest.TestCase):
    def test_generated_data_trains_a_useful_model_and_writes_both_files(self):
        with tempfile.TemporaryDirectory() as out:
            r = run("--outputs", out, "--epochs", "50")
            self.assertEqual(r.returncode, 0, r.stderr)
            metrics = json.load(open(os.path.join(out, "metrics.json")))
            model = json.load(open(os.path.join(out, "model.json")))
            self.assertGreater(metrics["auc"], 0.9)
            self.assertEqual(len(model["weights"]), 4)
            self.assertIn("epoch 50/50", r.stdout)

    def test_csv_in_the_agent_input_dir_is_used(self):
        with tempfile.TemporaryDirectory() as d:
            inputs, out = os.path.join(d, "in"), os.path.join(d, "out")
            os.makedirs(inputs)
            with open(os.path.join(inputs, "data.csv"), "w") as f:
                f.write("a,b,label\n" + "".join(f"{i},{-i},{int(i > 10)}\n" for i in range(20)))
            r = run("--outputs", out, env={"MLCP_INPUT_DIR": inputs})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.load(open(os.path.join(out, "model.json")))["features"], ["a", "b"])

    def test_json_lines_in_the_agent_input_dir_are_used_without_their_id_columns(self):
        with tempfile.TemporaryDirectory() as d:
            inputs, out = os.path.join(d, "in", "0"), os.path.join(d, "out")
            os.makedirs(inputs)
            with open(os.path.join(inputs, "data.jsonl"), "w") as f:
                for i in range(30):
                    f.write(json.dumps({"example_id": i, "a": i, "b": -i, "label": int(i > 12)}) + "\n")
            r = run("--outputs", out, env={"MLCP_INPUT_DIR": os.path.join(d, "in")})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.load(open(os.path.join(out, "model.json")))["features"], ["a", "b"])

    def test_bad_input_exits_2_with_a_reason(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.csv")
            with open(bad, "w") as f:
                f.write("a,b\n1,2\n")
            r = run("--data", bad, "--outputs", d)
            self.assertEqual(r.returncode, 2)
            self.assertIn("'label' column", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "model.json")))

    def test_invalid_learning_rate_exits_2(self):
        r = run("--lr", "-1", "--outputs", tempfile.mkdtemp())
        self.assertEqual(r.returncode, 2)
        self.assertIn("--lr", r.stderr)


if __name__ == "__main__":
    unittest.main()
