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
