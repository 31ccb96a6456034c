#!/usr/bin/env bash
# Copyright Bookinfo in Python authors. Licensed under the Apache License 2.0.
#
# Removes Bookinfo from one namespace: the traffic rules of networking/ and gateway-api/
# (and any other Istio routing or authorization objects the tasks applied inline there),
# then every object the files of platform/kube create, then waits for the pods to go.
#
#   NAMESPACE=bookinfo platform/kube/cleanup.sh     # or answer the prompt; default: default
#
# Objects that are already gone are skipped, so it is safe to run twice or after a
# partial install. A namespace that does not exist is an error (rather than silently
# cleaning `default` instead).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [[ -z ${NAMESPACE:-} && -t 0 ]]; then
  read -r -p "namespace ? [default] " NAMESPACE
fi
NAMESPACE=${NAMESPACE:-default}
if ! kubectl get namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "cleanup.sh: namespace $NAMESPACE not found" >&2
  exit 1
fi
echo "using NAMESPACE=$NAMESPACE"

# Every Istio kind the Bookinfo files and tasks create; all of them are removed from the
# namespace, as upstream's script does, because the tasks also apply rules inline.
istio_kinds=(
  virtualservices.networking.istio.io
  destinationrules.networking.istio.io
  gateways.networking.istio.io
  serviceentries.networking.istio.io
  authorizationpolicies.security.istio.io
)
gateway_api_kinds=(
  httproutes.gateway.networking.k8s.io
  gateways.gateway.networking.k8s.io
)

installed() {  # is the CustomResourceDefinition of this kind known to the cluster?
  kubectl get crd "$1" >/dev/null 2>&1
}

for kind in "${istio_kinds[@]}" "${gateway_api_kinds[@]}"; do
  if installed "$kind"; then
    kubectl delete -n "$NAMESPACE" --all "$kind"
  fi
done
# The files that name their namespace (istio-system, next to the ingress gateway and
# cert-manager), each when its kind is known to the cluster.
if installed virtualservices.networking.istio.io; then
  kubectl delete --ignore-not-found -f "$repo/networking/certmanager-gateway.yaml"
fi
if installed envoyfilters.networking.istio.io; then
  kubectl delete --ignore-not-found -f "$repo/policy/productpage_envoy_ratelimit.yaml"
fi
if installed certificates.cert-manager.io; then
  kubectl delete --ignore-not-found -f "$here/bookinfo-certificate.yaml"
fi

# Deployments, Services, ServiceAccounts, the Secret and the Ingress, by name, file by file:
# the files overlap (bookinfo-details.yaml repeats objects of bookinfo.yaml), hence
# --ignore-not-found.
for manifest in "$here"/*.yaml; do
  case $(basename "$manifest") in kustomization.yaml | bookinfo-certificate.yaml) continue ;; esac
  kubectl delete -n "$NAMESPACE" --ignore-not-found -f "$manifest"
done

# Poll (rather than `kubectl wait`, which fails when no pod matches) until the pods are gone.
bookinfo_pods='app in (details,productpage,ratings,reviews,mongodb,mysqldb)'
deadline=$((SECONDS + 120))
while [[ -n $(kubectl get pods -n "$NAMESPACE" -l "$bookinfo_pods" -o name) ]]; do
  if ((SECONDS > deadline)); then
    echo "cleanup.sh: Bookinfo pods still terminating after 120 s" >&2
    exit 1
  fi
  sleep 2
done
echo "Application cleanup successful"
