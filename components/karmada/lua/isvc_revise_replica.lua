-- Karmada replicaRevision for serving.kserve.io/v1beta1 InferenceService.
--
-- ReviseReplica(desiredObj, desiredReplica) -> desiredObj
--
-- Called for every workload once per target cluster, before that cluster's overrides (karmada
-- v1.18.2 pkg/controllers/binding/common.go ensureWork): with Divided scheduling
-- desiredReplica is the cluster's share of the count GetReplicas reported (the template's
-- minReplicas, at least 1); with Duplicated it is the whole count, so the bounds stay as declared
-- (a template without minReplicas gets minReplicas 1, KServe's own default). An InferenceService has no `replicas`; it has a floor and a ceiling, and the
-- member's own autoscaler (HPA in Standard mode, Knative's in Knative mode) keeps the pods
-- between them. Each member gets its share as bounds it enforces:
--   * minReplicas := desiredReplica. The shares add up to the template's minReplicas, so the
--     federation keeps the declared floor. A template with minReplicas 0 (scale-to-zero)
--     keeps 0 in every member: GetReplicas counted it as 1 only to place it.
--   * maxReplicas, when the template sets one (> 0), becomes the declared ceiling less the
--     floors the other members hold (declaredMax - (total - share)), never below the new
--     minReplicas nor below 1. Absent or 0 (KServe: no explicit ceiling) stays as is. Not a
--     proportional split: raising the floor for a peak (2 -> 4 of a ceiling of 12, private
--     keeping 2) would cut the private ceiling to 6 while its autoscaler runs more pods, and
--     the member would scale serving replicas away. With this rule a member keeps the
--     declared ceiling less what the others are guaranteed (private 10 here, public 10), so
--     raising the floor never removes running capacity below that. The declared ceiling is
--     then a per-member bound: together the members may run more (each member's node groups
--     bound it too).
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
    local newMax = math.floor(declaredMax) - (total - share)
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
