-- Karmada healthInterpretation for serving.kserve.io/v1beta1 InferenceService.
--
-- InterpretHealth(observedObj) -> boolean
--
-- Healthy only when the member's KServe controller has processed the current spec
-- (status.observedGeneration equals metadata.generation, checked when both are present) and
-- the `Ready` condition is "True". No status, no conditions, no Ready condition, or Ready
-- "False"/"Unknown" is unhealthy, which is what lets Karmada's application failover act.
-- A new member object is unhealthy until KServe reports Ready: set the PropagationPolicy's
-- failover tolerationSeconds above the time a GPU node and the model take to come up.
-- Always returns a boolean (Karmada rejects nil).

function InterpretHealth(observedObj)
  if type(observedObj) ~= "table" or type(observedObj.status) ~= "table" then
    return false
  end
  local status = observedObj.status
  local generation = nil
  if type(observedObj.metadata) == "table" then
    generation = observedObj.metadata.generation
  end
  if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration ~= generation then
    return false
  end
  if type(status.conditions) ~= "table" then
    return false
  end
  for _, condition in ipairs(status.conditions) do
    if type(condition) == "table" and condition.type == "Ready" then
      return condition.status == "True"
    end
  end
  return false
end
