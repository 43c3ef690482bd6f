# The Python sample's web app: one route answering a greeting.
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def hello() -> dict[str, str]:
    return {"message": "Hello from a Strata-built image"}
