"""The behavioural blocks of docs/model.md section 3, one module each.

Every function works on arrays batched over paths (first axis P) and regions (last axis n)
and is pure: the engine (:mod:`rebalancing.engine`) owns the state and calls them in the
order of the year loop. The blocks import neither the engine nor each other's internals.
"""
