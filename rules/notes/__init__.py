"""Notes about the inputs themselves: values that could not be resolved, suppressions that silence nothing."""
