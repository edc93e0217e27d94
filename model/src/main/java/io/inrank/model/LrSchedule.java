package io.inrank.model;

/**
 * Learning-rate schedules by optimizer step (0-based). Linear: transformers' get_linear_schedule_with_warmup, so step 0
 * has lr 0 (the paper's schedule), then linear warmup to the peak and linear decay to 0 at {@code total}. Cosine: the
 * same warmup, then cosine decay to 0.
 */
public record LrSchedule(double peak, long warmup, long total, boolean cosine) {

    public double at(long step) {
        if (step < warmup) return peak * step / Math.max(1, warmup);
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        if (progress >= 1) return 0;
        return cosine ? peak * 0.5 * (1 + Math.cos(Math.PI * progress)) : peak * (1 - progress);
    }
}
