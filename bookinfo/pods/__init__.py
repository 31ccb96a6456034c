"""The kubelet of the local runner: Deployments become pods (processes on loopback ports)
with the environment, name table and command a cluster would give them; pods are
started, health-checked and stopped."""
