-- Karmada retention for serving.kserve.io/v1beta1 InferenceService.
--
-- Retain(desiredObj, observedObj) -> desiredObj
--
-- Keeps only the member's status. Nothing in an InferenceService spec is written by the
-- member side: KServe's webhook re-applies its defaults on every update, and Karmada itself
-- already keeps the member's labels, annotations (KServe's included), finalizers,
-- ownerReferences and resourceVersion before it calls Retain. Retaining spec fields here
-- would stop changes made in the control plane from reaching the member, so none are kept.
-- (With the status subresource the API server ignores status on update anyway; keeping it
-- avoids wiping it where the subresource is missing.)

function Retain(desiredObj, observedObj)
  if type(desiredObj) ~= "table" or type(observedObj) ~= "table" then
    return desiredObj
  end
  if observedObj.status ~= nil then
    desiredObj.status = observedObj.status
  end
  return desiredObj
end
