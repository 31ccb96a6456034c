"""The local mesh: Kubernetes/Istio/Gateway API objects -> Envoy v3 resources.

Same seam as Istio's control plane: objects arrive validated (bookinfo.objects), are
gathered into a model of workloads, services and routing config (model.py), and are
translated into listeners, routes and clusters (translate.py) that bookinfo.envoy
delivers to a real Envoy.
"""
