/* sin.f32: y = sin(x), x in radians */
#include "../shared/elementwise.h"

#include <math.h>

selrt_status selrt_sin_f32_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_elementwise_check(p, n, SELRT_F32, SELRT_F32);
}

selrt_status selrt_sin_f32_run(selrt_session *s, const selrt_node *n) {
  const float *x = (const float *)selrt_in(s, n, 0)->data;
  selrt_tensor *yt = selrt_out(s, n, 0);
  float *y = (float *)yt->data;
  size_t count = selrt_numel(yt);
  for (size_t i = 0; i < count; i++) {
    y[i] = sinf(x[i]);
  }
  return SELRT_OK;
}

SELRT_KERNEL(sin_f32, "sin.f32");
