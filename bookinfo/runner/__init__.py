"""The runner: ``up``, ``down``, ``status`` and ``reconcile`` of the local stack.

It reads what is desired from the store (``objects``), admits what the stack can run,
plans the pods (``pods``), translates the routing objects (``mesh``) and delivers the
result to Envoy (``envoy``). Dependencies point one way: ``cli`` -> ``runner`` ->
{``pods``, ``envoy`` -> ``mesh``} -> ``objects`` -> ``system``, with ``errors`` beneath all.
"""
