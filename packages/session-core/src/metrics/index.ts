export { prometheusContentType } from './exposition.js';
export {
  type LabeledMetricsSource,
  type MetricsSource,
  type RenderPrometheusOptions,
  renderPrometheus,
} from './prometheus.js';
