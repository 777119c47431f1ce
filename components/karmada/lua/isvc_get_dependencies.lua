-- Karmada dependencyInterpretation for serving.kserve.io/v1beta1 InferenceService.
--
-- GetDependencies(desiredObj) -> list of {apiVersion, kind, namespace, name}
--
-- The objects the InferenceService's pods need in the member cluster, so that a
-- PropagationPolicy with propagateDeps: true sends them along. Walks spec.predictor (and its
-- workerSpec), spec.transformer, spec.explainer and spec.canary[].predictor, and collects:
--   ServiceAccount         serviceAccountName / serviceAccount (not "default")
--   Secret                 imagePullSecrets; secret, projected, csi and other secret-backed
--                          volumes; env valueFrom.secretKeyRef; envFrom secretRef
--   ConfigMap              configMap and projected volumes; env configMapKeyRef; envFrom
--   PersistentVolumeClaim  persistentVolumeClaim volumes; storageUri / storageUris
--                          "pvc://<claim>/<path>" (KServe mounts the claim itself)
-- in the object's namespace ("default" when unset, as Karmada's kube helper does), each
-- once, in first-seen order. Not covered: the storage-config Secret that
-- `model.storage.key` refers to (its name is KServe cluster configuration, not in the
-- object), ClusterServingRuntimes (cluster-scoped; propagate them with a
-- ClusterPropagationPolicy).
--
-- Written for Karmada's Lua 5.1 VM: locals only besides the entry function; no
-- require("kube") (kube.getPodDependencies takes a pod template, which an
-- InferenceService component is not).

local CONTAINER_FIELDS = {
  "model", "sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx", "pmml",
  "lightgbm", "paddle", "huggingface", "art",
}
local CONTAINER_LISTS = {"containers", "initContainers", "ephemeralContainers"}
local SECRET_REF_VOLUMES = {"cephfs", "cinder", "flexVolume", "rbd", "scaleIO", "iscsi", "storageos"}

local function list(value)
  if type(value) == "table" then
    return value
  end
  return {}
end

function GetDependencies(desiredObj)
  local refs = {}
  local seen = {}
  local namespace = "default"
  if type(desiredObj.metadata) == "table" and type(desiredObj.metadata.namespace) == "string"
      and desiredObj.metadata.namespace ~= "" then
    namespace = desiredObj.metadata.namespace
  end

  local function add(kind, name)
    if type(name) ~= "string" or name == "" then
      return
    end
    local key = kind .. "/" .. name
    if seen[key] then
      return
    end
    seen[key] = true
    refs[#refs + 1] = {apiVersion = "v1", kind = kind, namespace = namespace, name = name}
  end

  local function addStorageUri(uri)
    if type(uri) == "string" then
      add("PersistentVolumeClaim", string.match(uri, "^pvc://([^/]+)"))
    end
  end

  local function addContainer(container)
    if type(container) ~= "table" then
      return
    end
    for _, env in ipairs(list(container.env)) do
      if type(env) == "table" and type(env.valueFrom) == "table" then
        if type(env.valueFrom.secretKeyRef) == "table" then
          add("Secret", env.valueFrom.secretKeyRef.name)
        end
        if type(env.valueFrom.configMapKeyRef) == "table" then
          add("ConfigMap", env.valueFrom.configMapKeyRef.name)
        end
      end
    end
    for _, source in ipairs(list(container.envFrom)) do
      if type(source) == "table" then
        if type(source.secretRef) == "table" then
          add("Secret", source.secretRef.name)
        end
        if type(source.configMapRef) == "table" then
          add("ConfigMap", source.configMapRef.name)
        end
      end
    end
    addStorageUri(container.storageUri)
  end

  local function addVolume(volume)
    if type(volume) ~= "table" then
      return
    end
    if type(volume.secret) == "table" then
      add("Secret", volume.secret.secretName)
    end
    if type(volume.configMap) == "table" then
      add("ConfigMap", volume.configMap.name)
    end
    if type(volume.persistentVolumeClaim) == "table" then
      add("PersistentVolumeClaim", volume.persistentVolumeClaim.claimName)
    end
    if type(volume.projected) == "table" then
      for _, source in ipairs(list(volume.projected.sources)) do
        if type(source) == "table" then
          if type(source.secret) == "table" then
            add("Secret", source.secret.name)
          end
          if type(source.configMap) == "table" then
            add("ConfigMap", source.configMap.name)
          end
        end
      end
    end
    if type(volume.csi) == "table" and type(volume.csi.nodePublishSecretRef) == "table" then
      add("Secret", volume.csi.nodePublishSecretRef.name)
    end
    if type(volume.azureFile) == "table" then
      add("Secret", volume.azureFile.secretName)
    end
    for _, field in ipairs(SECRET_REF_VOLUMES) do
      if type(volume[field]) == "table" and type(volume[field].secretRef) == "table" then
        add("Secret", volume[field].secretRef.name)
      end
    end
  end

  -- a component (predictor, transformer, explainer) or a predictor's workerSpec
  local function addPodSpec(spec)
    if type(spec) ~= "table" then
      return
    end
    if spec.serviceAccountName ~= "default" then
      add("ServiceAccount", spec.serviceAccountName)
    end
    if spec.serviceAccount ~= "default" then
      add("ServiceAccount", spec.serviceAccount)
    end
    for _, secret in ipairs(list(spec.imagePullSecrets)) do
      if type(secret) == "table" then
        add("Secret", secret.name)
      end
    end
    for _, volume in ipairs(list(spec.volumes)) do
      addVolume(volume)
    end
    for _, field in ipairs(CONTAINER_FIELDS) do
      addContainer(spec[field])
    end
    for _, field in ipairs(CONTAINER_LISTS) do
      for _, container in ipairs(list(spec[field])) do
        addContainer(container)
      end
    end
    for _, storage in ipairs(list(spec.storageUris)) do
      if type(storage) == "table" then
        addStorageUri(storage.uri)
      end
    end
    addPodSpec(spec.workerSpec)
  end

  local spec = desiredObj.spec
  if type(spec) == "table" then
    addPodSpec(spec.predictor)
    addPodSpec(spec.transformer)
    addPodSpec(spec.explainer)
    for _, canary in ipairs(list(spec.canary)) do
      if type(canary) == "table" then
        addPodSpec(canary.predictor)
      end
    end
  end
  return refs
end
