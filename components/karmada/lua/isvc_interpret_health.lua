-- Karmada healthInterpretation for serving.kserve.io/v1beta1 InferenceService.
--
-- InterpretHealth(observedObj) -> boolean
--
-- Healthy exactly when the member reports the `PredictorReady` condition "True": the
-- predictor serves there. No status, no conditions, no PredictorReady condition, or
-- PredictorReady "False"/"Unknown" is unhealthy, which is what lets Karmada's application
-- failover act (Karmada v1.18.2 pkg/controllers/status/work_status_controller.go: false ->
-- ResourceUnhealthy; pkg/controllers/applicationfailover/common.go: Unhealthy clusters are
-- evicted after tolerationSeconds).
--
-- Not judged by:
-- - status.observedGeneration: KServe v0.20 copies it from the Knative Service or the
--   Deployment it owns (kserve/kserve v0.20.0 pkg/apis/serving/v1beta1/
--   inference_service_status.go, PropagateStatus line 635 and PropagateRawStatus line 456),
--   whose generations move on their own: Knative traffic rewrites after a canary's first
--   rollout, every HPA scale in Standard mode. Comparing it with metadata.generation would call
--   a serving member unhealthy and fail it over.
-- - Ready: in v0.20 it also needs IngressReady (conditionSet, same file line 295), which
--   depends on the member's ingress, not on where the replicas run; moving the model to
--   another member does not mend it.
-- A new member object is unhealthy until KServe reports PredictorReady: set the
-- PropagationPolicy's failover tolerationSeconds above the time a GPU node and the model take
-- to come up. Always returns a boolean (Karmada rejects nil).

function InterpretHealth(observedObj)
  if type(observedObj) ~= "table" or type(observedObj.status) ~= "table"
      or type(observedObj.status.conditions) ~= "table" then
    return false
  end
  for _, condition in ipairs(observedObj.status.conditions) do
    if type(condition) == "table" and condition.type == "PredictorReady" then
      return condition.status == "True"
    end
  end
  return false
end
