"""Reusable RL algorithms shared by the agents' methods, one per module (``ppo_jax``, ``dqn``, ``sac``).

Import from the module (``from bench.agents.rl.ppo_jax import PPOConfig``): this package
imports nothing itself, so using one algorithm never loads another.
"""
