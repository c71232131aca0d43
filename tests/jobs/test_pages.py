"""Job pages: who may see a job, the progress bar, the list of one's jobs."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from jobs.models import Job
from jobs.services import job_save_file
from tests.jobs.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def detail(job):
    return reverse("jobs:detail", args=[job.pk])


def test_the_owner_and_managers_see_a_job_another_salesperson_gets_404(
    client, salesperson, other_salesperson, manager, admin_user
):
    job = JobFactory(owner=salesperson, state=Job.State.RUNNING, done=40, total=100)

    for user, status in (
        (salesperson, 200),
        (manager, 200),
        (admin_user, 200),
        (other_salesperson, 404),
    ):
        client.force_login(user)
        assert client.get(detail(job)).status_code == status, user
        assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404, user


def test_anonymous_is_sent_to_the_login(client, salesperson):
    job = JobFactory(owner=salesperson)
    response = client.get(detail(job))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_running_job_shows_its_progress_bar_and_asks_for_itself_again(client, salesperson):
    job = JobFactory(owner=salesperson, state=Job.State.RUNNING, done=40, total=100)
    client.force_login(salesperson)

    content = client.get(detail(job)).content.decode()

    assert 'data-state="running"' in content
    assert '<span class="share-40"></span>' in content
    assert "40 of 100 done" in content
    assert f'hx-get="{detail(job)}" hx-trigger="every 2s"' in content
    assert "style=" not in content


def test_a_job_without_a_known_total_shows_the_rows_read(client, salesperson):
    job = JobFactory(owner=salesperson, state=Job.State.RUNNING, done=6000, total=None)
    client.force_login(salesperson)

    content = client.get(detail(job)).content.decode()

    assert "6000 rows read so far" in content
    assert 'class="meter' not in content


def test_the_result_file_downloads_for_the_owner(client, salesperson, other_salesperson):
    job = JobFactory(
        owner=salesperson,
        kind=Job.Kind.CUSTOMER_EXPORT,
        state=Job.State.DONE,
        result={"rows": 2, "file_name": "customers.csv"},
    )
    stored = job_save_file(job_id=job.pk, name="customers.csv", content="code,name\n")
    assert default_storage.exists(stored)
    client.force_login(salesperson)

    content = client.get(detail(job)).content.decode()
    response = client.get(reverse("jobs:file", args=[job.pk]))

    assert reverse("jobs:file", args=[job.pk]) in content
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"code,name\n"
    assert 'filename="customers.csv"' in response["Content-Disposition"]
    client.force_login(other_salesperson)
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404


def test_the_list_shows_only_ones_own_jobs(client, salesperson, other_salesperson):
    mine = JobFactory(owner=salesperson, kind=Job.Kind.SALES_IMPORT)
    theirs = JobFactory(owner=other_salesperson)
    client.force_login(salesperson)

    content = client.get(reverse("jobs:list")).content.decode()

    assert detail(mine) in content
    assert detail(theirs) not in content
    assert "Sales import" in content


def test_the_job_page_speaks_chinese(client, salesperson):
    job = JobFactory(owner=salesperson, state=Job.State.FAILED)
    client.force_login(salesperson)

    content = client.get(detail(job), headers={"Accept-Language": "zh-CN"}).content.decode()

    assert 'lang="zh-hans"' in content
