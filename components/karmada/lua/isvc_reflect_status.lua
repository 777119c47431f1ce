-- Karmada statusReflection for serving.kserve.io/v1beta1 InferenceService.
--
-- ReflectStatus(observedObj) -> status
--
-- Reflects from the member object the status fields the control plane aggregates:
-- conditions, url, address, components, modelStatus, observedGeneration. Like Karmada's
-- built-in Deployment reflection it adds two bookkeeping fields used only by AggregateStatus
-- (never written to the template's status):
--   generation                 the member object's metadata.generation
--   resourceTemplateGeneration the template generation the member runs, from the annotation
--                              resourcetemplate.karmada.io/generation that Karmada sets
-- Absent fields are left out (an empty Lua table would reach Karmada as a JSON list).
--
-- Written for Karmada's Lua 5.1 VM: locals only besides the entry function.

local REFLECTED = {"conditions", "url", "address", "components", "modelStatus", "observedGeneration"}
local TEMPLATE_GENERATION = "resourcetemplate.karmada.io/generation"

function ReflectStatus(observedObj)
  local reflected = {}
  if type(observedObj) ~= "table" then
    return reflected
  end
  local metadata = observedObj.metadata
  if type(metadata) == "table" then
    if type(metadata.generation) == "number" then
      reflected.generation = metadata.generation
    end
    if type(metadata.annotations) == "table" and type(metadata.annotations[TEMPLATE_GENERATION]) == "string" then
      local templateGeneration = tonumber(metadata.annotations[TEMPLATE_GENERATION])
      if templateGeneration ~= nil then
        reflected.resourceTemplateGeneration = templateGeneration
      end
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
