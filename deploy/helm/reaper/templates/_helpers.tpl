{{- define "reaper.labels" -}}
app.kubernetes.io/name: reaper
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "reaper.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "reaper.nodeLabel" -}}
{{ .Values.nodeLabel.key }}={{ .Values.nodeLabel.value }}
{{- end }}

{{- /* The node settings file from .Values.config (no trailing newline). */}}
{{- define "reaper.nodeConfig" -}}
# Reaper's node settings, from the Helm chart's values (config); reaper install writes them to
# /etc/reaper/reaper.conf. The keys: docs/operations.md, "Node configuration".
{{- range $key, $value := .Values.config }}
{{ $key }}={{ $value }}
{{- end }}
{{- end }}
