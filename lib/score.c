#include "score.h"

int score_fresh(const struct mrb_conf *conf, const struct score_input *in, long long now)
{
    return in->has_metrics && now - in->metrics_at <= 3 * conf->score.interval;
}

double score_compute(const struct mrb_conf *conf, const struct score_input *in, long long now, double jitter)
{
    const double pending = score_pending_cost(conf, in->pending);
    const double weight = in->weight > 0 ? in->weight : 1.0;
    double s;

    if (!score_fresh(conf, in, now))
        return weight * (conf->score.fallback + 0.25 * jitter + pending);
    s = (conf->score.cpu * in->cpu * 100.0 + conf->score.mem * in->mem * 100.0 +
         conf->score.sessions * in->sessions + conf->score.handles * in->handles +
         conf->score.sockets * in->sockets) / 100.0;
    return weight * (s + pending);
}

double score_pending_cost(const struct mrb_conf *conf, double n)
{
    return (conf->score.sessions + conf->score.handles) * n / 100.0;
}
