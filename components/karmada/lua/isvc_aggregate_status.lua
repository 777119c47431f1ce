-- Karmada statusAggregation for serving.kserve.io/v1beta1 InferenceService.
--
-- AggregateStatus(desiredObj, statusItems) -> desiredObj with status aggregated
--
-- statusItems are Karmada AggregatedStatusItems ({clusterName, status, applied,
-- appliedMessage, health}); `status` is what ReflectStatus returned for that member.
-- No items (nothing propagated or reported yet): the object is returned unchanged, so an
-- empty federation never reads as Ready.
--
-- conditions: one per type seen in any member, in first-seen order, `Ready` always first:
--   "False" if any member reports False, else "Unknown" if any member reports Unknown or
--   lacks the condition (a member with no status, or whose manifest failed to apply, counts
--   as False for Ready), else "True". So Ready is "True" only if every member is Ready.
--   Not-True conditions name the members at fault in `message` and take the first such
--   member's reason; lastTransitionTime is the latest one reported.
-- url, address: from the first member (in item order) that reports them.
-- components: per component, the entry of the first member that reports it.
-- modelStatus: the first member's whose model is not loaded or has a failure, else the
--   first reported.
-- observedGeneration: the template's metadata.generation once every member object was made
--   from it, by Karmada's own record: the member's resourcetemplate.karmada.io/generation
--   annotation (reflected as resourceTemplateGeneration) is at least the template's
--   generation, and its manifest applied; otherwise the previous value. This is Karmada's
--   rule for Deployments (karmada-io/karmada v1.18.2 pkg/resourceinterpreter/default/native/
--   aggregatestatus.go, aggregateDeploymentStatus) less its second half, the member's own
--   observedGeneration >= generation: KServe v0.20 has no such number of its own (it copies
--   the Knative Service's or the Deployment's: kserve/kserve v0.20.0 pkg/apis/serving/
--   v1beta1/inference_service_status.go lines 456 and 635), and those move with Knative
--   traffic rewrites and HPA scaling. Readiness is the conditions' business.
--   pulumi-kubernetes' `waitFor: condition=X` completes when status.observedGeneration is not
--   below metadata.generation and X is "True" (provider/pkg/await/condition/kubectl.go
--   checkCondition; read at v4.32.0 and master); aggregated conditions never carry a member's
--   observedGeneration, which that check would prefer.
--   Limit: KServe records no generation of its own, so the first status Karmada collects from a
--   member after applying a new template may still carry the previous spec's conditions until
--   the member's KServe reconciles it (usually within seconds).
--
-- Written for Karmada's Lua 5.1 VM: locals only besides the entry function.

local function clusterLabel(item, index)
  if type(item.clusterName) == "string" and item.clusterName ~= "" then
    return item.clusterName
  end
  return "member #" .. index
end

local function modelInTrouble(modelStatus)
  if modelStatus.lastFailureInfo ~= nil then
    return true
  end
  if type(modelStatus.states) == "table" and modelStatus.states.activeModelState ~= nil
      and modelStatus.states.activeModelState ~= "Loaded" then
    return true
  end
  if modelStatus.transitionStatus ~= nil and modelStatus.transitionStatus ~= ""
      and modelStatus.transitionStatus ~= "UpToDate" then
    return true
  end
  return false
end

function AggregateStatus(desiredObj, statusItems)
  if type(desiredObj) ~= "table" or type(statusItems) ~= "table" or #statusItems == 0 then
    return desiredObj
  end
  local previous = desiredObj.status
  if type(previous) ~= "table" then
    previous = {}
  end
  local templateGeneration = nil
  if type(desiredObj.metadata) == "table" then
    templateGeneration = desiredObj.metadata.generation
  end

  local types = {"Ready"}
  local typeSeen = {Ready = true}
  -- per item: condition type -> condition
  local byType = {}
  local status = {}
  local components = nil
  local firstModelStatus = nil
  local troubledModelStatus = nil
  local observedCount = 0

  for i, item in ipairs(statusItems) do
    local reflected = item.status
    if type(reflected) ~= "table" then
      reflected = {}
    end
    local conditions = {}
    byType[i] = conditions
    if type(reflected.conditions) == "table" then
      for _, condition in ipairs(reflected.conditions) do
        if type(condition) == "table" and type(condition.type) == "string" then
          conditions[condition.type] = condition
          if not typeSeen[condition.type] then
            typeSeen[condition.type] = true
            types[#types + 1] = condition.type
          end
        end
      end
    end

    if status.url == nil and reflected.url ~= nil then
      status.url = reflected.url
    end
    if status.address == nil and type(reflected.address) == "table" and next(reflected.address) ~= nil then
      status.address = reflected.address
    end
    if type(reflected.components) == "table" then
      for name, component in pairs(reflected.components) do
        if components == nil then
          components = {}
        end
        if components[name] == nil then
          components[name] = component
        end
      end
    end
    if type(reflected.modelStatus) == "table" and next(reflected.modelStatus) ~= nil then
      if firstModelStatus == nil then
        firstModelStatus = reflected.modelStatus
      end
      if troubledModelStatus == nil and modelInTrouble(reflected.modelStatus) then
        troubledModelStatus = reflected.modelStatus
      end
    end

    -- `applied` is `json:"applied,omitempty"` (karmada v1.18.2 pkg/apis/work/v1alpha2/binding_types.go line 465):
    -- false never reaches the script, so anything but true means "not applied".
    if templateGeneration ~= nil and item.applied == true
        and type(reflected.resourceTemplateGeneration) == "number"
        and reflected.resourceTemplateGeneration >= templateGeneration then
      observedCount = observedCount + 1
    end
  end

  local merged = {}
  for _, conditionType in ipairs(types) do
    local verdict = "True"
    local faults = {}
    local first = nil
    local firstFault = nil
    local latest = nil
    for i, item in ipairs(statusItems) do
      local condition = byType[i][conditionType]
      local memberStatus = "Unknown"
      local reason = "ConditionMissing"
      local message = nil
      if condition ~= nil then
        memberStatus = condition.status or "Unknown"
        reason = condition.reason
        message = condition.message
        if first == nil then
          first = condition
        end
        if type(condition.lastTransitionTime) == "string"
            and (latest == nil or condition.lastTransitionTime > latest) then
          latest = condition.lastTransitionTime
        end
      end
      if conditionType == "Ready" then
        if item.applied ~= true then
          memberStatus = "False"
          if item.appliedMessage ~= nil then
            reason = "ApplyFailed"
            message = item.appliedMessage
          else
            reason = "NotApplied"
            message = "Karmada has not applied the template to this member"
          end
        elseif type(item.status) ~= "table" or next(item.status) == nil then
          memberStatus = "False"
          reason = "NoStatus"
          message = "no status reported yet"
        end
      end
      if memberStatus ~= "True" then
        if memberStatus == "False" then
          verdict = "False"
        elseif verdict == "True" then
          verdict = "Unknown"
        end
        local text = clusterLabel(item, i) .. ": " .. tostring(memberStatus)
        if reason ~= nil and reason ~= "" then
          text = text .. " (" .. reason .. ")"
        end
        if message ~= nil and message ~= "" then
          text = text .. " " .. message
        end
        faults[#faults + 1] = text
        if firstFault == nil then
          firstFault = {reason = reason}
        end
      end
    end

    local aggregated = {type = conditionType, status = verdict}
    if first ~= nil and first.severity ~= nil then
      aggregated.severity = first.severity
    end
    if latest ~= nil then
      aggregated.lastTransitionTime = latest
    end
    if verdict == "True" then
      if first ~= nil and first.reason ~= nil and first.reason ~= "" then
        aggregated.reason = first.reason
      end
      if first ~= nil and first.message ~= nil and first.message ~= "" then
        aggregated.message = first.message
      end
    else
      if firstFault.reason ~= nil and firstFault.reason ~= "" then
        aggregated.reason = firstFault.reason
      end
      aggregated.message = conditionType .. " is not True in " .. #faults .. " of " .. #statusItems
        .. " member clusters: " .. table.concat(faults, "; ")
    end
    merged[#merged + 1] = aggregated
  end
  status.conditions = merged

  if components ~= nil then
    status.components = components
  end
  if troubledModelStatus ~= nil then
    status.modelStatus = troubledModelStatus
  elseif firstModelStatus ~= nil then
    status.modelStatus = firstModelStatus
  end
  if templateGeneration ~= nil and observedCount == #statusItems then
    status.observedGeneration = templateGeneration
  elseif previous.observedGeneration ~= nil then
    status.observedGeneration = previous.observedGeneration
  end

  desiredObj.status = status
  return desiredObj
end
