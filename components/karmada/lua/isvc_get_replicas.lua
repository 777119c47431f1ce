-- Karmada replicaResource for serving.kserve.io/v1beta1 InferenceService.
--
-- GetReplicas(desiredObj) -> replica, requirement
--
-- replica: spec.predictor.minReplicas, the floor of serving capacity: the number of replicas
-- Karmada divides between member clusters (ReviseReplica turns each cluster's share into its
-- own floor and a proportional part of maxReplicas).
--   * absent          -> 1 (KServe's default minReplicas)
--   * 0 (scale-to-zero) -> 1: an idle service still needs one cluster that can fit one
--     replica when the first request arrives; ReviseReplica keeps minReplicas 0 there.
--   * no predictor    -> 1 with no requirement (KServe rejects such an object anyway).
--
-- Why the floor and not maxReplicas: Karmada places a count only on nodes that exist now
-- (available replicas = the estimator's free capacity + replicas already assigned, karmada
-- v1.18.2 pkg/scheduler/core/spreadconstraint/group_clusters.go generateClustersInfo), and
-- with overflowAffinities a count the tiers cannot hold fails the whole binding ("Clusters
-- available replicas are not enough to schedule.", pkg/scheduler/core/common.go
-- assignWorkloadReplicas). The ceiling of an autoscaled model is exactly capacity that does
-- not exist yet. The floor does, and is what the placement must guarantee.
-- The signal that turns a peak into more replicas Karmada places is therefore the floor
-- itself (the stack file's per-environment minReplicas): raising it re-divides with the
-- private cluster's tier filled first and the rest on public on-demand members; lowering it
-- empties the public tier first. Nothing scales the template by load: FederatedHPA needs a
-- scale subresource, which the InferenceService CRD lacks (kserve v0.20.0
-- config/crd/full/serving.kserve.io_inferenceservices.yaml: subresources status only;
-- karmada pkg/controllers/federatedhpa reads `scale`), and the detector ignores status-only
-- changes (pkg/detector/detector.go OnUpdate), so aggregated status cannot feed back.
--
-- requirement (work.karmada.io ReplicaRequirements):
--   resourceRequest: the requests of one predictor pod as the API server and Karmada's own
--     pod-template logic compute them: per container, requests with missing names taken from
--     limits (GPUs are usually given in limits only); summed over the kserve container
--     (`model` or a legacy framework field) and `containers`; the maximum with each init
--     container; plus `overhead`. A name set in one container only keeps its original string.
--     Containers that KServe or Knative inject later (queue-proxy, agent, storage-initializer)
--     are not in the spec and not counted.
--   nodeClaim: predictor nodeSelector, tolerations, and required node affinity.
--   priorityClassName, namespace: as Karmada's kube.accuratePodRequirements reports them.
--
-- Written for Karmada's Lua 5.1 VM: everything but the entry function is local, because
-- Karmada reuses Lua states between scripts; no require("kube").

local SUFFIX = {
  [""] = 1,
  n = 1e-9, u = 1e-6, m = 1e-3,
  k = 1e3, M = 1e6, G = 1e9, T = 1e12, P = 1e15, E = 1e18,
  Ki = 1024, Mi = 1024 ^ 2, Gi = 1024 ^ 3, Ti = 1024 ^ 4, Pi = 1024 ^ 5, Ei = 1024 ^ 6,
}

local FRAMEWORKS = {
  "model", "sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx", "pmml",
  "lightgbm", "paddle", "huggingface",
}

local function parseQuantity(q)
  if type(q) == "number" then
    return q
  end
  if type(q) ~= "string" then
    error("resource quantity must be a string or a number, got " .. type(q))
  end
  local sign, digits, suffix = string.match(q, "^%s*([+-]?)([%d%.]+)(.-)%s*$")
  local n = nil
  if digits ~= nil then
    n = tonumber(digits)
  end
  if n == nil then
    error("invalid resource quantity '" .. q .. "'")
  end
  if sign == "-" then
    n = -n
  end
  local mult = SUFFIX[suffix]
  if mult ~= nil then
    return n * mult
  end
  local exponent = string.match(suffix, "^[eE]([+-]?%d+)$")
  if exponent ~= nil then
    return n * 10 ^ tonumber(exponent)
  end
  error("invalid resource quantity '" .. q .. "'")
end

-- A canonical quantity string: whole numbers as integers, others in milli-units (rounded up).
local function formatQuantity(n)
  local whole = math.floor(n + 0.5)
  if math.abs(n - whole) < 1e-9 then
    return string.format("%.0f", whole)
  end
  return string.format("%.0fm", math.ceil(n * 1000 - 1e-6))
end

local function isEmpty(t)
  return t == nil or next(t) == nil
end

-- requests of one container; names only in limits default to the limit, as on the API server
local function containerRequests(container)
  local out = {}
  if type(container) ~= "table" or type(container.resources) ~= "table" then
    return out
  end
  if type(container.resources.limits) == "table" then
    for name, value in pairs(container.resources.limits) do
      out[name] = value
    end
  end
  if type(container.resources.requests) == "table" then
    for name, value in pairs(container.resources.requests) do
      out[name] = value
    end
  end
  return out
end

-- totals: name -> {value = number, raw = original string or number, count = contributors}
local function addInto(totals, requests)
  for name, raw in pairs(requests) do
    local value = parseQuantity(raw)
    local entry = totals[name]
    if entry == nil then
      totals[name] = {value = value, raw = raw, count = 1}
    else
      entry.value = entry.value + value
      entry.count = entry.count + 1
    end
  end
end

local function predictorRequests(predictor)
  local totals = {}
  for _, field in ipairs(FRAMEWORKS) do
    if type(predictor[field]) == "table" then
      addInto(totals, containerRequests(predictor[field]))
    end
  end
  if type(predictor.containers) == "table" then
    for _, container in ipairs(predictor.containers) do
      addInto(totals, containerRequests(container))
    end
  end
  -- an init container runs alone: the pod needs the larger of it and the running containers
  if type(predictor.initContainers) == "table" then
    for _, container in ipairs(predictor.initContainers) do
      for name, raw in pairs(containerRequests(container)) do
        local value = parseQuantity(raw)
        local entry = totals[name]
        if entry == nil or value > entry.value then
          totals[name] = {value = value, raw = raw, count = 1}
        end
      end
    end
  end
  if type(predictor.overhead) == "table" then
    addInto(totals, predictor.overhead)
  end
  local result = nil
  for name, entry in pairs(totals) do
    if result == nil then
      result = {}
    end
    if entry.count == 1 then
      result[name] = entry.raw
    else
      result[name] = formatQuantity(entry.value)
    end
  end
  return result
end

local function nodeClaim(predictor)
  local claim = {}
  local found = false
  if type(predictor.nodeSelector) == "table" and not isEmpty(predictor.nodeSelector) then
    claim.nodeSelector = predictor.nodeSelector
    found = true
  end
  if type(predictor.tolerations) == "table" and #predictor.tolerations > 0 then
    claim.tolerations = predictor.tolerations
    found = true
  end
  local affinity = predictor.affinity
  if type(affinity) == "table" and type(affinity.nodeAffinity) == "table" then
    local required = affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
    if type(required) == "table" and not isEmpty(required) then
      claim.hardNodeAffinity = required
      found = true
    end
  end
  if found then
    return claim
  end
  return nil
end

function GetReplicas(desiredObj)
  local spec = desiredObj.spec
  if type(spec) ~= "table" or type(spec.predictor) ~= "table" then
    return 1, nil
  end
  local predictor = spec.predictor

  local replica = 1
  if type(predictor.minReplicas) == "number" and predictor.minReplicas >= 1 then
    replica = math.floor(predictor.minReplicas)
  end

  local requirement = {}
  local found = false
  local requests = predictorRequests(predictor)
  if requests ~= nil then
    requirement.resourceRequest = requests
    found = true
  end
  local claim = nodeClaim(predictor)
  if claim ~= nil then
    requirement.nodeClaim = claim
    found = true
  end
  if found then
    if type(predictor.priorityClassName) == "string" and predictor.priorityClassName ~= "" then
      requirement.priorityClassName = predictor.priorityClassName
    end
    if desiredObj.metadata ~= nil and type(desiredObj.metadata.namespace) == "string" and desiredObj.metadata.namespace ~= "" then
      requirement.namespace = desiredObj.metadata.namespace
    end
    return replica, requirement
  end
  return replica, nil
end
