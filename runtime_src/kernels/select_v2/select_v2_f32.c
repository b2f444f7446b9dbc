/* select_v2.f32: y = condition ? x : y, numpy broadcasting of all three inputs (shared/select.h) */
#include "../shared/select.h"

SELRT_SELECT(select_v2, f32, float, SELRT_F32);
