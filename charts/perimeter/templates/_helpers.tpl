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
matchConditions:
  {{- toYaml . | nindent 2 }}
{{- end }}
failurePolicy: {{ .Values.webhook.failurePolicy }}
sideEffects: None
timeoutSeconds: {{ .Values.webhook.timeoutSeconds }}
admissionReviewVersions: ["v1", "v1beta1"]
{{- end }}
