-- Karmada replicaRevision for serving.kserve.io/v1beta1 InferenceService.
--
-- ReviseReplica(desiredObj, desiredReplica) -> desiredObj
--
-- Called for every workload once per target cluster, before that cluster's overrides (karmada
-- v1.18.2 pkg/controllers/binding/common.go ensureWork): with Divided scheduling
-- desiredReplica is the cluster's share of the count GetReplicas reported (the template's
-- minReplicas, at least 1); with Duplicated it is the whole count, and the object is
-- unchanged. An InferenceService has no `replicas`; it has a floor and a ceiling, and the
-- member's own autoscaler (HPA in Standard mode, Knative's in Knative mode) keeps the pods
-- between them. Each member gets its share as bounds it enforces:
--   * minReplicas := desiredReplica. The shares add up to the template's minReplicas, so the
--     federation keeps the declared floor. A template with minReplicas 0 (scale-to-zero)
--     keeps 0 in every member: GetReplicas counted it as 1 only to place it.
--   * maxReplicas, when the template sets one (> 0), is split in the same proportion,
--     rounded up (the members' ceilings add up to at least the declared one), never below
--     the new minReplicas nor below 1. Absent or 0 (KServe: no explicit ceiling) stays as is.
--     A member that holds 3 of a floor of 4 may grow to 3/4 of the ceiling; the public member
--     holding 1 to 1/4 of it, on nodes its cluster autoscaler adds.
--   * desiredReplica 0 (Karmada normally drops such clusters) gives minReplicas 0.
-- The transformer, explainer and spec.canary[] keep their own settings.
--
-- Written for Karmada's Lua 5.1 VM: locals only besides the entry function.

function ReviseReplica(desiredObj, desiredReplica)
  if type(desiredObj) ~= "table" or type(desiredObj.spec) ~= "table" then
    return desiredObj
  end
  local predictor = desiredObj.spec.predictor
  if type(predictor) ~= "table" then
    return desiredObj
  end

  local declaredMin = predictor.minReplicas
  -- the total GetReplicas reported for this template
  local total = 1
  if type(declaredMin) == "number" and declaredMin >= 1 then
    total = math.floor(declaredMin)
  end

  local share = 0
  if type(desiredReplica) == "number" and desiredReplica > 0 then
    share = math.floor(desiredReplica)
  end

  local newMin = share
  if type(declaredMin) == "number" and declaredMin <= 0 then
    newMin = 0
  end
  predictor.minReplicas = newMin

  local declaredMax = predictor.maxReplicas
  if type(declaredMax) == "number" and declaredMax > 0 then
    local newMax = math.ceil(declaredMax * share / total)
    if newMax < newMin then
      newMax = newMin
    end
    if newMax < 1 then
      newMax = 1
    end
    predictor.maxReplicas = newMax
  end
  return desiredObj
end
