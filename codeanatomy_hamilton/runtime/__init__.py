"""Runtime: the Hamilton nodes, the driver, the rustworkx execution plan, caching,
lifecycle hooks, executors, tracking and the semantic registry."""
