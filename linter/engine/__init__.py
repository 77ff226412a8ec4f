"""The offline IAM evaluation engine. Public API: `evaluate.evaluate`, `evaluate.Request`, `evaluate.PolicySet`,
`explain.Decision`, `simulate.simulate_request` and `simulate.simulate_jsonl`. Nothing is imported here, so a rule that
needs only `operators` does not pay for the evaluator."""
