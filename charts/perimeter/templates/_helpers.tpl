{{/* Names shorter than 63 characters (the DNS label limit). */}}
{{- define "perimeter.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "perimeter.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "perimeter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "perimeter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "perimeter.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "perimeter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "perimeter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "perimeter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "perimeter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The serving certificate's Secret, mounted by the pods. */}}
{{- define "perimeter.tlsSecretName" -}}
{{- printf "%s-tls" (include "perimeter.fullname" .) }}
{{- end }}

{{/*
Namespaces the API server never sends to the webhook: kube-system and the release namespace
always (the webhook must never block its own recovery), then the configured ones.
*/}}
{{- define "perimeter.excludedNamespaces" -}}
{{- $namespaces := list "kube-system" .Release.Namespace }}
{{- range .Values.webhook.excludedNamespaces }}
{{- $namespaces = append $namespaces . }}
{{- end }}
{{- toJson (uniq $namespaces) }}
{{- end }}

{{/* What the server reads: the rule directory and the certificate files. */}}
{{- define "perimeter.rulesDir" -}}/etc/perimeter/rules{{- end }}
{{- define "perimeter.tlsDir" -}}/etc/perimeter/tls{{- end }}

{{/* What both webhooks share: which namespaces, how failures and time are handled. */}}
{{- define "perimeter.webhookCommon" -}}
matchPolicy: Equivalent
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values:
        {{- toYaml (include "perimeter.excludedNamespaces" . | fromJsonArray) | nindent 8 }}
{{- with .Values.webhook.matchConditions }}
{{- if not (semverCompare ">=1.28.0-0" $.Capabilities.KubeVersion.Version) }}
{{- fail (printf "webhook.matchConditions need Kubernetes 1.28 or later (this cluster: %s); an older API server would drop them silently" $.Capabilities.KubeVersion.Version) }}
{{- end }}
matchConditions:
  {{- toYaml . | nindent 2 }}
{{- end }}
failurePolicy: {{ .Values.webhook.failurePolicy }}
sideEffects: None
timeoutSeconds: {{ .Values.webhook.timeoutSeconds }}
admissionReviewVersions: ["v1", "v1beta1"]
{{- end }}

{{/*
The rule files as ConfigMap data: perimeter.yaml with the set-wide settings from values (mode,
the excluded namespaces), then the built-in files and rules.files. Shared by the ConfigMap the
pods mount and the one the pre-install/pre-upgrade check lints, so both hold the same text.
*/}}
{{- define "perimeter.rulesData" -}}
{{- $files := dict }}
{{- if .Values.rules.builtin }}
{{- range $path, $_ := .Files.Glob "files/rules/*.{yaml,yml}" }}
{{- $_ := set $files (base $path) ($.Files.Get $path) }}
{{- end }}
{{- end }}
{{- range $name, $text := .Values.rules.files }}
{{- if not (regexMatch "^[A-Za-z0-9][A-Za-z0-9._-]*\\.ya?ml$" $name) }}
{{- fail (printf "rules.files: %q is not a rule file name (letters, digits, '.', '_', '-', ending in .yaml or .yml)" $name) }}
{{- end }}
{{- if eq $name "perimeter.yaml" }}
{{- fail "rules.files: perimeter.yaml is written by the chart (mode and excluded namespaces come from values); use another file name" }}
{{- end }}
{{- /* Parsed, so every spelling of a top-level mode key is caught (block or flow style). */}}
{{- $document := fromYaml $text }}
{{- if and (kindIs "map" $document) (hasKey $document "mode") }}
{{- fail (printf "rules.files.%s sets mode: set the chart value `mode` instead (it must be set in one place only)" $name) }}
{{- end }}
{{- $_ := set $files $name $text }}
{{- end }}
{{- if not $files }}
{{- fail "no rule files: keep rules.builtin true or give rules.files" }}
{{- end -}}
perimeter.yaml: |
  # Written by the Helm chart from its values.
  mode: {{ .Values.mode }}
  exclude:
  {{- range (include "perimeter.excludedNamespaces" . | fromJsonArray) }}
    - namespace: {{ . | quote }}
      reason: Not sent to the webhook (Helm value webhook.excludedNamespaces, kube-system and the release namespace).
  {{- end }}
{{- range $name, $text := $files }}
{{ $name }}: |
  {{- $text | nindent 2 }}
{{- end }}
{{- end }}

{{/* The restricted Pod Security Standard, for the webhook pods and the rules check. */}}
{{- define "perimeter.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "perimeter.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}
