#include "score.h"

long long score_fresh_since(const struct mrb_conf *conf, long long now)
{
    return now - 3 * conf->score.interval;
}

int score_fresh(const struct mrb_conf *conf, const struct score_input *in, long long now)
{
    return in->has_metrics && in->metrics_at >= score_fresh_since(conf, now);
}

int score_before(const struct mrb_conf *conf, const struct score_input *a, const struct score_input *b,
                 long long now)
{
    int fa = score_fresh(conf, a, now), fb = score_fresh(conf, b, now);

    if (fa != fb)
        return fa;
    return score_compute(conf, a, now) < score_compute(conf, b, now);
}

double score_compute(const struct mrb_conf *conf, const struct score_input *in, long long now)
{
    const double pending = score_pending_cost(conf, in->pending);
    const double weight = in->weight > 0 ? in->weight : 1.0;
    double s;

    if (!score_fresh(conf, in, now))
        return weight * (conf->score.fallback + pending);
    s = (conf->score.cpu * in->cpu * 100.0 + conf->score.mem * in->mem * 100.0 +
         conf->score.sessions * in->sessions + conf->score.handles * in->handles +
         conf->score.sockets * in->sockets) / 100.0;
    return weight * (s + pending);
}

double score_pending_cost(const struct mrb_conf *conf, double n)
{
    return (conf->score.sessions + conf->score.handles) * n / 100.0;
}
