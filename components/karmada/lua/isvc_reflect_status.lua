-- Karmada statusReflection for serving.kserve.io/v1beta1 InferenceService.
--
-- ReflectStatus(observedObj) -> status
--
-- Reflects from the member object the status fields the control plane aggregates:
-- conditions, url, address, components, modelStatus. Like Karmada's own reflection for
-- Deployments (karmada-io/karmada v1.18.2 pkg/resourceinterpreter/default/native/
-- reflectstatus.go, reflectDeploymentStatus) it adds one bookkeeping field, used only by
-- AggregateStatus and never written to the template's status:
--   resourceTemplateGeneration  the template generation the member object was made from: the
--                               annotation resourcetemplate.karmada.io/generation that Karmada
--                               sets on every member object it applies (v1.18.2
--                               pkg/controllers/binding/common.go mergeAnnotations;
--                               pkg/apis/work/v1alpha2/well_known_constants.go line 73)
-- status.observedGeneration is left out on purpose: KServe v0.20 copies it from the Knative
-- Service or the Deployment (kserve/kserve v0.20.0 pkg/apis/serving/v1beta1/
-- inference_service_status.go lines 456 and 635), so it says nothing about the
-- InferenceService's own spec. Absent fields are left out (an empty Lua table would reach
-- Karmada as a JSON list).
--
-- Written for Karmada's Lua 5.1 VM: locals only besides the entry function.

local REFLECTED = {"conditions", "url", "address", "components", "modelStatus"}
local TEMPLATE_GENERATION = "resourcetemplate.karmada.io/generation"

function ReflectStatus(observedObj)
  local reflected = {}
  if type(observedObj) ~= "table" then
    return reflected
  end
  local metadata = observedObj.metadata
  if type(metadata) == "table" and type(metadata.annotations) == "table"
      and type(metadata.annotations[TEMPLATE_GENERATION]) == "string" then
    local templateGeneration = tonumber(metadata.annotations[TEMPLATE_GENERATION])
    if templateGeneration ~= nil then
      reflected.resourceTemplateGeneration = templateGeneration
    end
  end
  local status = observedObj.status
  if type(status) == "table" then
    for _, field in ipairs(REFLECTED) do
      local value = status[field]
      if value ~= nil and not (type(value) == "table" and next(value) == nil) then
        reflected[field] = value
      end
    end
  end
  return reflected
end
